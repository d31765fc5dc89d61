// What the README's snippets take as given (a Worker's `env`, some credentials).
declare const credentials: { email: string; password: string };
