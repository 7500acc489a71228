// The API token: taken from the URL fragment `#token=...` that `vmorph serve` prints (then removed from the address
// bar so it is neither bookmarked nor shared), or asked for; kept in sessionStorage for this tab only.

const storageKey = "vmorph.token";

/** Moves a token found in the URL fragment into sessionStorage and strips it from the address bar. */
export function adoptTokenFromFragment(): void {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = fragment.get("token");
  if (token === null) return;
  if (token.trim() !== "") sessionStorage.setItem(storageKey, token.trim());
  fragment.delete("token");
  const rest = fragment.toString();
  history.replaceState(history.state, "", location.pathname + location.search + (rest === "" ? "" : `#${rest}`));
}

export function currentToken(): string | null {
  return sessionStorage.getItem(storageKey);
}

export function forgetToken(): void {
  sessionStorage.removeItem(storageKey);
}

/** Shows the sign-in form in `root` and resolves once a token was entered. */
export function askForToken(root: HTMLElement, message: string | null): Promise<void> {
  root.replaceChildren();
  const form = document.createElement("form");
  form.className = "card sign-in";
  form.innerHTML = `
    <h1>Sign in</h1>
    <p>Paste an API token. <code>vmorph serve</code> prints a link that carries one; others are made with
       <code>vmorph token create --role viewer --name NAME</code>.</p>
    <p class="error" hidden></p>
    <label>Token <input name="token" type="password" autocomplete="off" required autofocus /></label>
    <button type="submit">Sign in</button>`;
  const error = form.querySelector<HTMLElement>(".error")!;
  if (message !== null) {
    error.textContent = message;
    error.hidden = false;
  }
  root.append(form);
  return new Promise((resolve) => {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const value = (form.elements.namedItem("token") as HTMLInputElement).value.trim();
      if (value === "") return;
      sessionStorage.setItem(storageKey, value);
      resolve();
    });
  });
}
