import { useEffect, useState } from 'react';
import type { UploaderUppy } from '../uploader/create-uppy.js';
import { ghostFiles } from './restored-uploads.js';

/**
 * Names the restored files the browser did not keep, and says what to do. Read from Uppy's
 * state (at mount and on each change), not from the moment of the restore, which may come
 * before this component is on the page.
 */
export function GhostFilesNotice({ uppy }: { uppy: UploaderUppy }) {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    const read = () =>
      setNames((current) => {
        const next = ghostFiles(uppy).map((file) => file.name ?? 'unnamed');
        return next.join('\0') === current.join('\0') ? current : next;
      });
    read();
    uppy.on('state-update', read);
    return () => {
      uppy.off('state-update', read);
    };
  }, [uppy]);
  if (names.length === 0) return null;
  const one = names.length === 1;
  return (
    <div className="refusals" role="alert">
      <p>
        This browser did not keep {names.join(', ')} while the page was closed. Choose the same {one ? 'file' : 'files'}{' '}
        again to continue {one ? 'its upload' : 'their uploads'} where {one ? 'it' : 'they'} stopped, or remove{' '}
        {one ? 'it' : 'them'} from the list to go on without.
      </p>
    </div>
  );
}
