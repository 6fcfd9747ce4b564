// The login screen of browser mode (and, on a store with no users, the first administrator's
// setup with the one-time code the server printed). Resolves with who logged in.
import { BackendError, type Backend, type Me } from '../backend';
import { onLangChange, t, tk } from '../i18n';
import { h } from './dom';

function errorText(e: unknown): string {
  if (e instanceof BackendError) return `${tk(`error.${e.code}`, e.code)}: ${e.message}`;
  return String(e);
}

/** `switchLang` is the app's own switch (it also remembers the choice across reloads). */
export function loginScreen(root: HTMLElement, backend: Backend, switchLang: () => void): Promise<Me> {
  return new Promise((resolve) => {
    const box = h('div', { class: 'login', 'data-testid': 'login' });
    root.append(box);
    let setup = false;
    let setupOpen = false;
    let lastError = '';

    const draw = () => {
      const user = h('input', { name: 'username', autocomplete: 'username', 'data-testid': 'login-username', required: true });
      const pass = h('input', { name: 'password', type: 'password', autocomplete: setup ? 'new-password' : 'current-password', 'data-testid': 'login-password', required: true });
      const code = h('input', { name: 'code', autocomplete: 'one-time-code', 'data-testid': 'setup-code', required: true });
      const confirm = h('input', { name: 'confirm', type: 'password', autocomplete: 'new-password', 'data-testid': 'setup-confirm', required: true });
      const err = h('div', { class: 'login-error', 'data-testid': 'login-error', role: 'alert' }, lastError);
      const submit = h('button', { class: 'btn primary', type: 'submit', 'data-testid': 'login-submit' }, setup ? t('login.create') : t('login.submit'));
      const field = (label: string, input: HTMLElement) => h('label', {}, h('span', {}, label), input);
      const form = h('form', {
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void (async () => {
            if (setup && pass.value !== confirm.value) { lastError = t('login.mismatch'); err.textContent = lastError; return; }
            submit.setAttribute('disabled', '');
            submit.textContent = t('login.busy');
            try {
              const me = setup
                ? await backend.setup(code.value.trim(), user.value.trim(), pass.value)
                : await backend.login(user.value.trim(), pass.value);
              box.remove();
              resolve(me);
            } catch (e) {
              lastError = errorText(e);
              err.textContent = lastError;
              submit.removeAttribute('disabled');
              submit.textContent = setup ? t('login.create') : t('login.submit');
              pass.value = '';
              pass.focus();
            }
          })();
        },
      },
      setup ? h('p', { class: 'login-hint' }, t('login.setupHint')) : null,
      setup ? field(t('login.setupCode'), code) : null,
      field(t('login.username'), user),
      field(t('login.password'), pass),
      setup ? field(t('login.confirm'), confirm) : null,
      err,
      submit);
      box.replaceChildren(
        h('div', { class: 'login-card' },
          h('div', { class: 'login-brand' }, h('div', { class: 'logo' }),
            h('div', {}, h('div', { class: 'title' }, t('app.title')), h('div', { class: 'subtitle' }, t('login.subtitle')))),
          h('h1', {}, setup ? t('login.setupTitle') : t('login.title')),
          form,
          !setup && !setupOpen && needsSetup ? h('p', { class: 'login-hint' }, t('login.noUsers')) : null,
          h('button', { class: 'btn lang', type: 'button', 'data-testid': 'login-lang', onclick: switchLang }, t('header.lang'))));
      (setup ? code : user).focus();
    };

    let needsSetup = false;
    onLangChange(() => { if (box.isConnected) draw(); });
    draw();
    void backend.authStatus().then((s) => {
      needsSetup = s.needs_setup;
      setupOpen = s.setup_open;
      setup = s.needs_setup && s.setup_open;
      draw();
    }).catch(() => { /* the plain login stays */ });
  });
}

/** The signed-in user's chip for the header, with the sign-out button (browser mode). */
export function userChip(me: Me, onLogout: (() => void) | null): HTMLElement {
  const role = tk(`role.${me.principal.role}`, me.principal.role);
  const where = me.street_name ? ` · ${me.street_name}` : '';
  return h('span', { class: 'user', 'data-testid': 'user-chip', 'data-role': me.principal.role },
    h('span', { class: 'user-name' }, me.principal.display_name),
    h('span', { class: 'user-role' }, `${role}${where}`),
    onLogout ? h('button', { class: 'btn', 'data-testid': 'logout', onclick: onLogout }, t('user.logout')) : null);
}
