// Check "inclusion proof": the entry's leaf is at logIndex in the tree that the verified checkpoint
// signs (RFC 9162 §2.1.3.2). A proof does not bind the tree size by itself, so the size is taken
// from the signed checkpoint and the proof's own treeSize must agree with it.
import { VerificationError } from '../../errors.js';
import { verifyInclusion } from '../../merkle/verify.js';
import { proofHashes, type InclusionProofJson } from '../../receipt.js';
import type { CheckpointFields } from '../../checkpoint/checkpoint.js';

export function checkInclusion(proof: InclusionProofJson, leafHash: Uint8Array, checkpoint: CheckpointFields): { detail: string } {
  // Attacker-controlled: logIndex, treeSize and hashes (shape-checked by the schema only).
  if (proof.treeSize !== checkpoint.size) {
    throw new VerificationError('INCLUSION_PROOF', `proof is for tree size ${proof.treeSize}, the signed checkpoint has size ${checkpoint.size}`, {
      hint: 'the proof and the checkpoint in the bundle do not belong together',
    });
  }
  verifyInclusion({ leafHash, index: proof.logIndex, treeSize: checkpoint.size, proof: proofHashes(proof), root: checkpoint.root });
  return { detail: `leaf ${proof.logIndex} of ${checkpoint.size} (${proof.hashes.length} hashes) hashes to the checkpoint root` };
}
