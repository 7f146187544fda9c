/** The GraphQL documents of the "Unfinished uploads" panel, against schema.gql. */

const UNFINISHED_FIELDS = 'id fileName sizeBytes offsetBytes expiresAt targetType targetId groupId';

export interface UnfinishedUpload {
  id: string;
  fileName: string;
  /** Null while the client defers the length (the web page never does). */
  sizeBytes: number | null;
  offsetBytes: number;
  expiresAt: string | null;
  targetType: string | null;
  targetId: string | null;
  groupId: string | null;
}

export const UNFINISHED_UPLOADS = `query UnfinishedUploads {
  uploads(status: UPLOADING, limit: 100) { ${UNFINISHED_FIELDS} }
}`;

/** What the server holds of one upload, read together: the proof a re-selected file must match. */
export const RECEIVED_BYTES = `query ReceivedBytes($id: ID!) {
  upload(id: $id) { ${UNFINISHED_FIELDS} status received { offsetBytes sha256 } }
}`;

export interface ReceivedBytes extends UnfinishedUpload {
  status: string;
  received: { offsetBytes: number; sha256: string } | null;
}

export const CANCEL_UPLOAD = 'mutation CancelUpload($id: ID!) { cancelUpload(id: $id) { id status } }';
