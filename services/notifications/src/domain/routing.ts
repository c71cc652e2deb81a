// Which channels a message goes by, from the reader's preferences: pure, no I/O.

export type Channel = 'discord' | 'email';

export interface Preferences {
  email: string | null;
  discord_webhook_url: string | null;
  discord_dead: boolean;
  channels: Record<string, string[]>;
  quiet: boolean;
}

export interface Route {
  /** Every channel the message must reach, in sending order. */
  channels: Channel[];
  /** The address email goes to, when email is one of them. */
  email: string | null;
  /** Why it goes nowhere (when channels is empty). */
  why?: string;
}

/**
 * - Every channel chosen for the message's category gets it (both chosen: both); a category not chosen means all.
 * - Payments (transactional) always go by email too, quiet or not.
 * - A dead Discord webhook is replaced by email until a new webhook is set.
 * - Email goes to the preferences' address, else to an address a payment taught us (`knownEmail`): a user who never
 *   set preferences still gets what always goes by email.
 */
export function routeOf(message: { category: string; transactional: boolean }, prefs: Preferences | null, knownEmail: string | null, emailEnabled: boolean): Route {
  const address = prefs?.email ?? knownEmail;
  const wanted = new Set<Channel>();
  if (prefs && (!prefs.quiet || message.transactional)) {
    const chosen = prefs.channels?.[message.category];
    for (const c of chosen ?? ['discord', 'email']) if (c === 'discord' || c === 'email') wanted.add(c);
    if (prefs.quiet) wanted.clear();
  }
  if (message.transactional) wanted.add('email');
  if (wanted.has('discord')) {
    if (!prefs?.discord_webhook_url) wanted.delete('discord');
    else if (prefs.discord_dead) {
      wanted.delete('discord');
      wanted.add('email');
    }
  }
  if (wanted.has('email') && (!address || !emailEnabled)) wanted.delete('email');
  const channels = (['discord', 'email'] as const).filter((c) => wanted.has(c));
  if (channels.length) return { channels, email: channels.includes('email') ? address : null };
  const why = !prefs && !address ? 'no preferences: nowhere to send' : !emailEnabled && message.transactional ? 'email is not configured' : 'no channel wanted or configured';
  return { channels: [], email: null, why };
}
