declare const env: { TOKENS: KVNamespace; TOKEN_COORDINATOR: DurableObjectNamespace };
