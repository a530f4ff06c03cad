/** The daemon's HTTP address as a URL, and the loopback address that reaches a wildcard bind from the same host. */

export function loopbackFor(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::' || address === '::0') return '::1';
  return address;
}

export function httpUrl(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
