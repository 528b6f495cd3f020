// Change 6: serialized element nodes keep V8's fast object shape.
// rrweb's serializeNodeWithId builds each element node with a `needBlock` field, adds `id`, then
// deletes `needBlock`. Deleting a property other than the last one added turns the object into
// a dictionary-mode object, and V8's JSON.stringify takes its slow, generic path for those: the
// JSON of a 50k-node full snapshot cost 2–4× that of the same tree parsed back from JSON
// (Chromium 156). Reprise serializes every event it uploads, so the field is set to undefined
// instead: JSON.stringify leaves undefined out, so the JSON is the same, byte for byte (as
// `isSVG`, `rootId` and `isCustom`, which rrweb already leaves undefined), and nothing in rrweb
// reads `needBlock` after this point. Applied first, so the sliced copies of the serializer
// (slicing.mjs) get it too.
import { replaceOnce } from './anchors.mjs';

const DELETE_NEED_BLOCK = 'delete serializedNode.needBlock;';

export function patchFastNodes(src) {
  return replaceOnce(src, DELETE_NEED_BLOCK, 'serializedNode.needBlock = void 0;');
}
