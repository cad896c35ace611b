/**
 * A small patch to tfjs-node's C++ binding (binding/tfjs_backend.cc), applied before the native
 * setup builds it: string attributes may also be lists (`TFE_OpSetAttrStringList`). tfjs itself
 * never passes one, so nothing changes for tfjs; Attention Lab needs it for TensorFlow's fused
 * kernels, whose `fused_ops` attribute is a list of strings (`_FusedMatMul` with ['BiasAdd']:
 * src/engine/nativeOps.ts). The engine probes for it at run time and does without it when the
 * binding is unpatched (tfjs-node's own prebuilt binding).
 */

/** Marks patched source, so the patch is applied once. */
export const PATCH_MARKER = '// attention-lab: string-list attributes';

const ANCHOR = `    case TF_ATTR_STRING: {
      // NOTE: String attribute values do not have to be utf8 encoded strings
      // (could be arbitrary byte sequences).`;

const LIST_CASE = `    case TF_ATTR_STRING: {
      ${PATCH_MARKER}
      if (IsArray(env, nstatus, &js_value)) {
        uint32_t length;
        nstatus = napi_get_array_length(env, js_value, &length);
        ENSURE_NAPI_OK(env, nstatus);
        std::vector<std::string> strings(length);
        std::vector<const void *> values(length);
        std::vector<size_t> lengths(length);
        for (uint32_t i = 0; i < length; ++i) {
          napi_value element;
          nstatus = napi_get_element(env, js_value, i, &element);
          ENSURE_NAPI_OK(env, nstatus);
          nstatus = GetStringParam(env, element, strings[i]);
          ENSURE_NAPI_OK(env, nstatus);
          values[i] = strings[i].data();
          lengths[i] = strings[i].size();
        }
        TFE_OpSetAttrStringList(tfe_op, attr_name, values.data(), lengths.data(),
                                static_cast<int>(length));
        break;
      }
      // NOTE: String attribute values do not have to be utf8 encoded strings
      // (could be arbitrary byte sequences).`;

export type PatchResult = { status: 'applied' | 'already'; text: string } | { status: 'unknown-source'; text: string };

/** The patched source, or `unknown-source` (unchanged) when the code it expects is not there. */
export function patchBindingSource(source: string): PatchResult {
  if (source.includes(PATCH_MARKER)) return { status: 'already', text: source };
  if (!source.includes(ANCHOR) || !source.includes('#include <string>')) return { status: 'unknown-source', text: source };
  const text = source.replace(ANCHOR, LIST_CASE).replace('#include <string>', '#include <string>\n#include <vector>');
  return { status: 'applied', text };
}
