/** The sample app: a base Deployment and a prod overlay whose kustomization pins the image. */
export const sampleManifests: Readonly<Record<string, string>> = {
  'README.md':
    '# Manifests (Signalbox local mode)\n\nCreated by the manifest-updater. Image updates arrive on `signalbox/*` branches.\n',
  'apps/api/base/kustomization.yaml':
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n',
  'apps/api/base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {app: api}
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: harbor.example.com/team-a/api:1.0.0 # the overlay's images: entry decides
          ports:
            - containerPort: 8080
`,
  'apps/api/overlays/prod/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: team-a-prod
resources:
  - ../../base
images:
  # Signalbox's manifest-updater edits only this entry's tag.
  - name: harbor.example.com/team-a/api
    newTag: "1.0.0"
`,
};
