/** A modal dialog on the native `<dialog>` (focus kept inside, Escape closes it). */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const titleId = `dialog-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <dialog ref={ref} class="dialog" aria-labelledby={titleId} onCancel={(event) => { event.preventDefault(); onClose(); }}>
      <header class="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="link close" aria-label="Close" onClick={onClose}>×</button>
      </header>
      {children}
    </dialog>
  );
}

/** Asks before something that cannot be undone. */
export function Confirm({ title, message, action, danger = true, onConfirm, onClose }: {
  title: string; message: ComponentChildren; action: string; danger?: boolean; onConfirm: () => void; onClose: () => void;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <div class="dialog-body">{message}</div>
      <div class="actions">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="button" class={danger ? 'danger' : 'primary'} onClick={() => { onConfirm(); onClose(); }}>{action}</button>
      </div>
    </Dialog>
  );
}
