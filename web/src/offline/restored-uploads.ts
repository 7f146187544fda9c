import type { Notify, UploaderUppy } from '../uploader/create-uppy.js';

/**
 * Uploads Golden Retriever brought back after a reload or a browser restart go on by
 * themselves, from the server's offset (tus asks it with a HEAD). A file whose contents the
 * browser did not keep (storage refused or cleared: a "ghost") cannot be read again by the page;
 * the user is told to choose it again, and the uploads resume once every such file is back or
 * removed from the list (resuming earlier would fail the ghost's upload).
 */
export function resumeRestoredUploads(uppy: UploaderUppy, notify: Notify): void {
  const ghosts = () => uppy.getFiles().filter((file) => file.isGhost);
  const resumeIfComplete = (): boolean => {
    if (ghosts().length > 0) return false;
    uppy.emit('restore-confirmed');
    return true;
  };
  uppy.on('restored', () => {
    if (resumeIfComplete()) return;
    notify(ghostMessage(ghosts().map((file) => file.name ?? 'unnamed')));
    const onChange = () => {
      if (!resumeIfComplete()) return;
      uppy.off('file-added', onChange);
      uppy.off('file-removed', onChange);
    };
    uppy.on('file-added', onChange);
    uppy.on('file-removed', onChange);
  });
}

function ghostMessage(names: string[]): string {
  const one = names.length === 1;
  return (
    `This browser did not keep ${names.join(', ')} while the page was closed. ` +
    `Choose the same ${one ? 'file' : 'files'} again to continue ${one ? 'its upload' : 'their uploads'} ` +
    `where ${one ? 'it' : 'they'} stopped, or remove ${one ? 'it' : 'them'} from the list to go on without.`
  );
}
