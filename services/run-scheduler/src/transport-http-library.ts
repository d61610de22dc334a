import {
  type HttpLibrary,
  type RequestContext,
  ResponseContext,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import type { KubeTransport } from './kube/kube-transport.ts';

/**
 * client-node's transport over ours (`createKubeTransport`: undici's `dispatch` on a keep-alive
 * agent per refresh window, the kubeconfig's token, the request timeout), in place of its default
 * `fetch`.
 * Per create, fetch built a Request, a Headers list, a web stream for the body and one for the
 * answer, a dependent abort signal and a resource-timing entry, and wrote the headers and the
 * body in separate socket writes: about a third of the run-scheduler's CPU at 1 000 creates/s.
 * A request aborted by its signal (the request timeout) rejects with the signal's reason, a
 * `TimeoutError`, as fetch did.
 */
export function transportHttpLibrary(transport: KubeTransport): HttpLibrary {
  return wrapHttpLibrary({
    async send(context: RequestContext): Promise<ResponseContext> {
      const body = context.getBody();
      if (body !== undefined && typeof body !== 'string')
        throw new Error('the Kubernetes transport sends string bodies only');
      const answer = await transport.request({
        method: context.getHttpMethod(),
        url: context.getUrl(),
        headers: context.getHeaders(),
        body,
        signal: context.getSignal(),
      });
      return new ResponseContext(
        answer.status,
        { ...answer.headers },
        {
          text: async () => answer.body.toString('utf8'),
          binary: async () => answer.body,
          stream: () => null,
        },
      );
    },
  });
}
