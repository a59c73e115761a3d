import { useEffect, useState } from 'react';
import { useClient } from '../app/hooks';
import { dragCarriesChatExport, isChatExportFile, postImport } from '../net/transfer';
import { UploadError } from '../net/upload';
import { reasonText } from '../reasons';
import './transfer.css';

/**
 * Import by dropping a chat export (.json) anywhere on the window. Listens on
 * the window before the page does (capture), so a drop it takes never reaches
 * the chat's own drop handler, which attaches everything else (images, video,
 * documents) to the composer as before.
 */
export function ImportDrop() {
  const client = useClient();
  const [over, setOver] = useState(false);

  useEffect(() => {
    const importFiles = async (files: File[], others: number) => {
      const ep = client.endpoint;
      if (!ep) return;
      if (others > 0) {
        client.notify('info', `Only the chat export${files.length > 1 ? 's were' : ' was'} imported. Drop the other files again on their own to attach them.`);
      }
      let last: string | null = null;
      for (const f of files) {
        try {
          const chat = await postImport(ep, f);
          last = chat.id;
          client.notify('info', `Imported “${chat.title || f.name}”.`);
        } catch (e) {
          const text = e instanceof UploadError ? reasonText(e.reason, e.detail) : String(e);
          client.notify('error', `Could not import ${f.name}: ${text}`);
        }
      }
      if (last) client.openChat(last);
    };

    const onOver = (e: DragEvent) => {
      if (!dragCarriesChatExport(e.dataTransfer)) return;
      e.preventDefault();
      e.stopPropagation();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      setOver(true);
    };
    // Out of the window: moving between elements inside it names the next one.
    const onLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) setOver(false);
    };
    const onDrop = (e: DragEvent) => {
      setOver(false);
      const files = Array.from(e.dataTransfer?.files ?? []);
      const exports = files.filter(isChatExportFile);
      if (exports.length === 0) return;
      e.preventDefault();
      e.stopPropagation();
      void importFiles(exports, files.length - exports.length);
    };
    const end = () => setOver(false);
    window.addEventListener('dragenter', onOver, true);
    window.addEventListener('dragover', onOver, true);
    window.addEventListener('dragleave', onLeave, true);
    window.addEventListener('drop', onDrop, true);
    window.addEventListener('dragend', end, true);
    return () => {
      window.removeEventListener('dragenter', onOver, true);
      window.removeEventListener('dragover', onOver, true);
      window.removeEventListener('dragleave', onLeave, true);
      window.removeEventListener('drop', onDrop, true);
      window.removeEventListener('dragend', end, true);
    };
  }, [client]);

  if (!over) return null;
  return (
    <div className="import-drop-overlay" role="status">
      Drop to import a chat
    </div>
  );
}
