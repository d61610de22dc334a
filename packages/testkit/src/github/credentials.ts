/** Tokens the fake accepts, each belonging to a login (the PR author, the git REMOTE_USER). */
export class Credentials {
  readonly #logins = new Map<string, string>();

  add(token: string, login: string): void {
    this.#logins.set(token, login);
  }

  /** The login for a REST `Authorization: token X` / `Bearer X` header, or undefined. */
  rest(authorization: string | undefined): string | undefined {
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '');
    return m?.[1] ? this.#logins.get(m[1]) : undefined;
  }

  /**
   * The login for git's HTTP Basic credentials: the token as password (any username, GitHub's
   * documented `x-access-token:<token>`), or as username with an empty or `x-oauth-basic` password.
   */
  basic(authorization: string | undefined): string | undefined {
    const m = /^basic\s+(\S+)$/i.exec(authorization ?? '');
    if (!m?.[1]) return undefined;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const user = i < 0 ? decoded : decoded.slice(0, i);
    const password = i < 0 ? '' : decoded.slice(i + 1);
    return (
      this.#logins.get(password) ??
      (password === '' || password === 'x-oauth-basic' ? this.#logins.get(user) : undefined)
    );
  }
}
