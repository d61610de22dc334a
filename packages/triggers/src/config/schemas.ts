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

/** Default author of manifest commits: GitHub's no-reply domain, so no mailbox is implied. */
export const defaultCommitAuthor = Object.freeze({
  name: 'Signalbox',
  email: 'signalbox@users.noreply.github.com',
});

/**
 * Which image goes to which manifest repository, and how (read by the manifest-updater).
 * Defaults are applied here so the worker reads one complete shape: `pin: tag`, branch `main`,
 * the `[Update manifest]` prefix (the CI trigger's CEL filter skips commits that start with
 * it), and every `ignore` rule on.
 */
export const imageUpdatePolicySpecSchema = z.strictObject({
  image: z.string().min(1),
  tags: z.strictObject({ pattern: z.string().optional(), semver: z.string().optional() }).optional(),
  /**
   * Harbor fires PUSH_ARTIFACT for every manifest PUT. `digestOnly`: pushes by digest, which is
   * also how multi-arch children (and anything else without a human tag) arrive; `accessories`:
   * `sha256-<hex>[.sig|.att|.sbom…]` tags of cosign signatures, attestations and SBOMs;
   * `tags`: further regexes (RE2 rules) of tags to skip.
   */
  ignore: z
    .strictObject({
      digestOnly: z.boolean().default(true),
      accessories: z.boolean().default(true),
      tags: z.array(z.string()).default([]),
    })
    .default({ digestOnly: true, accessories: true, tags: [] }),
  gate: z.strictObject({ scan: z.enum(['required', 'none']), blockAt: severity.optional() }).optional(),
  /** `tag` (default), `digest`, or `tag@digest` (the readable tag kept next to the pinned digest). */
  pin: z.enum(['tag', 'digest', 'tag@digest']).default('tag'),
  /** A Go duration (`90s`, `10m`, `1h30m`): a tag younger than this waits, so a re-push settles. */
  minAge: z.string().optional(),
  target: z.strictObject({
    repo: z.string().min(1),
    branch: z.string().min(1).default('main'),
    paths: z.array(z.string().min(1)).min(1),
  }),
  pullRequest: z
    .strictObject({
      titlePrefix: z.string().min(1).default('[Update manifest]'),
      labels: z.array(z.string().min(1)).default([]),
      reviewers: z.array(z.string().min(1)).default([]),
      draft: z.boolean().default(false),
    })
    .default({ titlePrefix: '[Update manifest]', labels: [], reviewers: [], draft: false }),
  commit: z
    .strictObject({
      author: z
        .strictObject({ name: z.string().min(1), email: z.string().min(3) })
        .default(defaultCommitAuthor),
    })
    .default({ author: defaultCommitAuthor }),
  /**
   * A token (PAT or other bearer) in a secret file, or a GitHub App (its installation token is
   * minted per hour by the worker). None: local targets only.
   */
  auth: z
    .union([
      z.strictObject({ secretRef: secretRefSchema }),
      z.strictObject({
        app: z.strictObject({
          appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]),
          installationId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]),
          privateKeySecretRef: secretRefSchema,
        }),
      }),
    ])
    .optional(),
});

export const slackRouteSpecSchema = z.strictObject({
  channel: z.string().min(1),
  kinds: z.array(z.string().min(1)).min(1),
  when: z.string().optional(),
  /** A bot token (`xoxb-…`): Web API, one message per change updated in place, threads. */
  auth: z.strictObject({ secretRef: secretRefSchema }).optional(),
  /** A file holding an incoming-webhook URL: one message per notification, no updates or threads. */
  webhook: z.strictObject({ secretRef: secretRefSchema }).optional(),
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
