/** The GraphQL documents of the integrity checks, against schema.gql. */

export const UPLOAD_SHA256 = 'query UploadSha256($id: ID!) { upload(id: $id) { id status sha256 } }';

export interface UploadSha256 {
  id: string;
  status: 'UPLOADING' | 'COMPLETED' | 'IMPORTED' | 'REJECTED' | 'CANCELLED' | 'EXPIRED';
  sha256: string | null;
}
