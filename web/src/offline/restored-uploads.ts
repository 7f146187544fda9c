import type { UploaderUppy } from '../uploader/create-uppy.js';

/** Restored files whose contents the browser did not keep: Golden Retriever's "ghosts". */
export const ghostFiles = (uppy: UploaderUppy) => uppy.getFiles().filter((file) => file.isGhost);

/**
 * Uploads Golden Retriever brought back after a reload or a browser restart go on by
 * themselves, from the server's offset (tus asks it with a HEAD). A file whose contents the
 * browser did not keep (storage refused or cleared) cannot be read again by the page: the page
 * asks for it (GhostFilesNotice), and the uploads resume once every such file is chosen again or
 * removed from the list (resuming earlier would fail the ghost's upload).
 */
export function resumeRestoredUploads(uppy: UploaderUppy): void {
  const resumeIfComplete = (): boolean => {
    if (ghostFiles(uppy).length > 0) return false;
    uppy.emit('restore-confirmed');
    return true;
  };
  uppy.on('restored', () => {
    if (resumeIfComplete()) return;
    const onChange = () => {
      if (!resumeIfComplete()) return;
      uppy.off('file-added', onChange);
      uppy.off('file-removed', onChange);
    };
    uppy.on('file-added', onChange);
    uppy.on('file-removed', onChange);
  });
}
