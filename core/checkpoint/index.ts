// Checkpoints: C2SP tlog-checkpoint over C2SP signed-note, Ed25519 keys.
export {
  checkpointBody,
  generateCheckpointKey,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
  type CheckpointFields,
  type VerifiedCheckpoint,
  type VerifyCheckpointOptions,
} from './checkpoint.js';
export {
  ED25519_TYPE,
  MAX_NOTE_BYTES,
  MAX_SIGNATURES,
  generateNoteKey,
  isValidKeyName,
  noteKeyId,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  verifyNoteSignatures,
  type Note,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
} from './note.js';
