import { z } from 'zod';

/**
 * Schemas of every config kind. Objects are strict: an unknown field is an error (a typo such as
 * `interceptor:` must not silently disable authentication). Shapes follow Tekton Triggers
 * v1beta1 (v1alpha1 is the same for these fields) and DESIGN.md for the signalbox.dev kinds.
 */
const name = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'must be a DNS-1123 name (lower-case letters, digits, "-", ".")',
  );

export const metadataSchema = z.strictObject({
  name,
  namespace: name.optional(),
  uid: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const secretRefSchema = z.strictObject({ secretName: name, secretKey: z.string().min(1) });

const paramSchema = z.strictObject({ name: z.string().min(1), value: z.unknown() });

export const interceptorSchema = z.strictObject({
  name: z.string().optional(),
  ref: z
    .strictObject({
      name: z.string().min(1),
      kind: z.enum(['ClusterInterceptor', 'NamespacedInterceptor']).optional(),
      apiVersion: z.string().optional(),
    })
    .optional(),
  params: z.array(paramSchema).optional(),
  /** Tekton's legacy webhook interceptor: accepted by the schema so the loader can say it is unsupported. */
  webhook: z.unknown().optional(),
});

/** Exactly one of inline `{name, value}` or `{ref, kind}`: checked by the loader, which names the field. */
export const bindingRefSchema = z.strictObject({
  name: z.string().min(1).optional(),
  value: z.string().optional(),
  ref: z.string().min(1).optional(),
  kind: z.enum(['TriggerBinding', 'ClusterTriggerBinding']).optional(),
  apiversion: z.string().optional(),
});

export const templateParamSchema = z.strictObject({
  name: z.string().regex(/^[_a-zA-Z][_a-zA-Z0-9.-]*$/, 'must match [_a-zA-Z][_a-zA-Z0-9.-]*'),
  description: z.string().optional(),
  default: z.string().optional(),
});

export const templateSpecSchema = z.strictObject({
  params: z.array(templateParamSchema).optional(),
  resourcetemplates: z.array(z.record(z.string(), z.unknown())).min(1),
});

export const triggerSpecSchema = z.strictObject({
  name: z.string().optional(),
  bindings: z.array(bindingRefSchema).optional(),
  /** Exactly one of `ref` and `spec`: checked by the loader. */
  template: z
    .strictObject({
      ref: z.string().min(1).optional(),
      apiversion: z.string().optional(),
      spec: templateSpecSchema.optional(),
    })
    .optional(),
  interceptors: z.array(interceptorSchema).optional(),
  serviceAccountName: z.string().optional(),
  triggerRef: z.string().optional(),
});

const labelSelectorSchema = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string().min(1),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

export type LabelSelector = z.infer<typeof labelSelectorSchema>;

export const eventListenerSpecSchema = z.strictObject({
  serviceAccountName: z.string().optional(),
  triggers: z.array(triggerSpecSchema).optional(),
  triggerGroups: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        interceptors: z.array(interceptorSchema).min(1),
        triggerSelector: z.strictObject({
          namespaceSelector: z.strictObject({ matchNames: z.array(z.string()) }).optional(),
          labelSelector: labelSelectorSchema.optional(),
        }),
      }),
    )
    .optional(),
  namespaceSelector: z.strictObject({ matchNames: z.array(z.string()) }).optional(),
  labelSelector: labelSelectorSchema.optional(),
  resources: z.record(z.string(), z.unknown()).optional(),
  cloudEventURI: z.string().optional(),
});

export const bindingSpecSchema = z.strictObject({
  params: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).optional(),
});

const severity = z.enum(['None', 'Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical']);

export const imageUpdatePolicySpecSchema = z.strictObject({
  image: z.string().min(1),
  tags: z.strictObject({ pattern: z.string().optional(), semver: z.string().optional() }).optional(),
  gate: z.strictObject({ scan: z.enum(['required', 'none']), blockAt: severity.optional() }).optional(),
  target: z.strictObject({
    repo: z.string().min(1),
    branch: z.string().min(1).default('main'),
    paths: z.array(z.string().min(1)).min(1),
  }),
  pullRequest: z
    .strictObject({
      titlePrefix: z.string().optional(),
      labels: z.array(z.string()).optional(),
      reviewers: z.array(z.string()).optional(),
    })
    .optional(),
  auth: z.strictObject({ secretRef: secretRefSchema }).optional(),
});

export const slackRouteSpecSchema = z.strictObject({
  channel: z.string().min(1),
  kinds: z.array(z.string().min(1)).min(1),
  when: z.string().optional(),
  auth: z.strictObject({ secretRef: secretRefSchema }).optional(),
  webhookRef: secretRefSchema.optional(),
});

export const kinds = {
  EventListener: { group: 'triggers.tekton.dev', spec: eventListenerSpecSchema },
  Trigger: { group: 'triggers.tekton.dev', spec: triggerSpecSchema },
  TriggerBinding: { group: 'triggers.tekton.dev', spec: bindingSpecSchema },
  ClusterTriggerBinding: { group: 'triggers.tekton.dev', spec: bindingSpecSchema },
  TriggerTemplate: { group: 'triggers.tekton.dev', spec: templateSpecSchema },
  ImageUpdatePolicy: { group: 'signalbox.dev', spec: imageUpdatePolicySpecSchema },
  SlackRoute: { group: 'signalbox.dev', spec: slackRouteSpecSchema },
} as const;

export type KindName = keyof typeof kinds;
export type EventListenerSpec = z.infer<typeof eventListenerSpecSchema>;
export type TriggerSpec = z.infer<typeof triggerSpecSchema>;
export type TemplateSpec = z.infer<typeof templateSpecSchema>;
export type InterceptorSpec = z.infer<typeof interceptorSchema>;
export type BindingRef = z.infer<typeof bindingRefSchema>;
export type Metadata = z.infer<typeof metadataSchema>;
export type ImageUpdatePolicySpec = z.infer<typeof imageUpdatePolicySpecSchema>;
export type SlackRouteSpec = z.infer<typeof slackRouteSpecSchema>;
