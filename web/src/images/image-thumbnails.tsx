import { useState } from 'react';
import { THUMBNAILS_SHOWN, type OmeroImage } from '../api/operations.js';

/** CSS pixels of a thumbnail's box: fixed, so rows do not jump while pictures load. */
const SIDE = 64;

function imageLabel(fileName: string, index: number, total: number, id: string): string {
  return total === 1
    ? `${fileName} (OMERO image ${id})`
    : `${fileName}, image ${index + 1} of ${total} (OMERO image ${id})`;
}

/**
 * One thumbnail. A picture that does not load (a link past its hour, the image deleted, OMERO
 * unreachable) becomes a drawn placeholder that says so, instead of the browser's broken icon.
 */
function Thumbnail({ image, label }: { image: OmeroImage; label: string }) {
  const [broken, setBroken] = useState(false);
  const picture = broken ? (
    <span className="thumb thumb-missing" role="img" aria-label={`${label}: no preview available`}>
      <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
        <path
          d="M4 5h16v14H4z M4 16l5-5 4 4 3-3 4 4"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
          strokeLinejoin="round"
        />
        <path d="M3 3l18 18" stroke="currentColor" strokeWidth="1.6" />
      </svg>
    </span>
  ) : (
    <img
      className="thumb"
      src={image.thumbnailUrl}
      alt={label}
      width={SIDE}
      height={SIDE}
      loading="lazy"
      decoding="async"
      onError={() => setBroken(true)}
    />
  );
  if (!image.webUrl) return picture;
  return (
    <a className="thumb-link" href={image.webUrl} target="_blank" rel="noopener noreferrer">
      {picture}
      <span className="visually-hidden"> (opens in OMERO.web, in a new tab)</span>
    </a>
  );
}

/**
 * The images an import created: the first few as thumbnails (links into OMERO.web when a real
 * OMERO is configured; the sandbox has no OMERO.web, so no link) and how many more there are.
 */
export function ImageThumbnails({
  fileName,
  images,
  total,
}: {
  fileName: string;
  images: OmeroImage[] | undefined;
  total: number;
}) {
  if (!images || images.length === 0) return null;
  const shown = images.slice(0, THUMBNAILS_SHOWN);
  const more = total - shown.length;
  const linked = shown.some((image) => image.webUrl);
  return (
    <div className="thumbs">
      <ul aria-label={`Images imported from ${fileName}`}>
        {shown.map((image, index) => (
          <li key={image.id}>
            <Thumbnail image={image} label={imageLabel(fileName, index, total, image.id)} />
          </li>
        ))}
      </ul>
      {more > 0 && <span className="thumbs-more">+{more} more</span>}
      {linked && <span className="thumbs-hint">Select a picture to open it in OMERO.web.</span>}
    </div>
  );
}
