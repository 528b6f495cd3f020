// Change 4: mutation bursts.
// rrweb turns every MutationObserver callback into one mutation event, however many records it
// holds; a burst of tens of thousands of records costs seconds of main-thread time and a batch
// of megabytes. The recorder passes `repriseMutationGate(records)`: when it returns true, rrweb
// does not process the records at all (the gate takes a fresh full snapshot instead, which
// holds their outcome). Without the option, rrweb's behaviour is unchanged.
import { replaceOnce } from './anchors.mjs';

const OBSERVER_CALLBACK = 'callbackWrapper(mutationBuffer.processMutations.bind(mutationBuffer))';
const RECORD_FN = 'function record(options = {}) {';

export function patchBursts(src) {
  src = replaceOnce(
    src,
    OBSERVER_CALLBACK,
    'callbackWrapper((records) => {\n      if (repriseMutationGate !== null && repriseMutationGate(records)) return;\n      mutationBuffer.processMutations(records);\n    })',
  );
  return replaceOnce(
    src,
    RECORD_FN,
    `let repriseMutationGate = null;\n${RECORD_FN}\n  repriseMutationGate = typeof options.repriseMutationGate === "function" ? options.repriseMutationGate : null;`,
  );
}
