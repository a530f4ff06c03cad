/** Microsoft's national clouds: tokens of one are not accepted by another's Graph. */
export interface CloudEndpoints {
  readonly authorityHost: string;
  readonly graphUrl: string;
}

export const CLOUDS: Record<'global' | 'usgov' | 'usgov-dod' | 'china', CloudEndpoints> = {
  global: { authorityHost: 'https://login.microsoftonline.com', graphUrl: 'https://graph.microsoft.com/v1.0' },
  usgov: { authorityHost: 'https://login.microsoftonline.us', graphUrl: 'https://graph.microsoft.us/v1.0' },
  'usgov-dod': { authorityHost: 'https://login.microsoftonline.us', graphUrl: 'https://dod-graph.microsoft.us/v1.0' },
  china: { authorityHost: 'https://login.chinacloudapi.cn', graphUrl: 'https://microsoftgraph.chinacloudapi.cn/v1.0' },
};

/** The token scope is the Graph host's `.default`, never the global one for a national cloud. */
export function graphScope(graphUrl: string): string {
  return `${new URL(graphUrl).origin}/.default`;
}
