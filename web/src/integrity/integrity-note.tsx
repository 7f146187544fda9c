import type { Integrity } from './use-integrity.js';

const short = (sha256: string) => `${sha256.slice(0, 12)}…`;

/** What a file's row says about its integrity; the words screen readers hear too. */
export function describeIntegrity(integrity: Integrity | undefined): string | undefined {
  switch (integrity?.status) {
    case 'checking':
      return integrity.read === undefined
        ? 'Checking that the server received exactly your file…'
        : `Checking that the server received exactly your file: reading your copy, ${Math.floor(integrity.read * 100)}% done…`;
    case 'verified':
      return `Verified: the server’s copy is identical to your file (sha256 ${short(integrity.sha256)}).`;
    case 'mismatch':
      return (
        `Damaged in transit: the server received different bytes from the file on your computer ` +
        `(sha256 ${short(integrity.local)} here, ${short(integrity.server)} on the server). ` +
        `Do not use the image imported from it: delete it in OMERO, then upload the file again.`
      );
    case 'unavailable':
      return `Not checked: ${integrity.reason}. The upload itself is not affected.`;
    default:
      return undefined;
  }
}

/** The integrity line of a file's row; a mismatch is an alert, announced at once. */
export function IntegrityNote({ integrity }: { integrity: Integrity | undefined }) {
  const text = describeIntegrity(integrity);
  if (!integrity || !text) return null;
  return (
    <span
      className={`integrity integrity-${integrity.status}`}
      data-integrity={integrity.status}
      role={integrity.status === 'mismatch' ? 'alert' : undefined}
    >
      {text}
    </span>
  );
}
