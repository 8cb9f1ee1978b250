/** A secret the server shows once (a device's credential): copy it now, it cannot be read again. */
import { useRef, useState } from 'preact/hooks';

export function SecretReveal({ label, value }: { label: string; value: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = async (): Promise<void> => {
    input.current?.select();
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      // No clipboard permission: the text is selected, the user copies it by hand.
      setCopied('no');
    }
  };
  const id = `secret-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div class="secret">
      <label for={id}>{label}</label>
      <div class="secret-row">
        <input id={id} ref={input} class="mono" readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copy()}>Copy</button>
      </div>
      <p class="hint" role="status">{copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? 'Selected: copy it with Ctrl+C / ⌘C.' : ''}</p>
    </div>
  );
}

/** The warning that goes with a secret shown once. */
export function ShownOnce({ what }: { what: string }) {
  return (
    <p class="warning" role="note">
      <strong>Shown once.</strong> Copy the {what} now and keep it safe: it is stored only as a hash and cannot be shown again.
      If it is lost, rotate the credential to issue a new one.
    </p>
  );
}
