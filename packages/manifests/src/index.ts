export { type EditManifestResult, editManifestText, type ManifestEdit } from './edit-manifest-text.ts';
export { type ImageRef, parseImageRef } from './parse-image-ref.ts';
export { type ImagePin, type ImageTarget, resolveImageTarget } from './resolve-image-target.ts';
export { type FileChange, type SetImageOptions, type SetImageResult, setImage } from './set-image.ts';
export { SetImageError, type SetImageErrorCode } from './set-image-error.ts';
