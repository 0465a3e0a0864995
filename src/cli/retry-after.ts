/**
 * How long a server asks to be left alone: its Retry-After field (RFC 9110
 * §10.2.3), either delay-seconds or an HTTP-date, as whole seconds from now.
 * The CLI names it when a 503 or 429 exits with EXIT_TRY_AGAIN
 * (http-client.ts), so a script knows when to run the command again.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = MONTHS.join('|');
const DAY = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const DAY_NAME = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';

// RFC 9110 §5.6.7: a recipient MUST accept all three forms of HTTP-date.
/** IMF-fixdate, the one form senders use: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^(?:${DAY}), (\\d{2}) (${MONTH}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
/** The obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^(?:${DAY_NAME}), (\\d{2})-(${MONTH})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
/** The obsolete asctime form: `Sun Nov  6 08:49:37 1994`. */
const ASCTIME_DATE = new RegExp(`^(?:${DAY}) (${MONTH}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})$`);

/** The instant of a UTC date and time, or undefined when a field is out of range (Date.UTC would roll 31 Feb over to March). */
function utc(year: number, month: string, day: number, hour: number, minute: number, second: number): number | undefined {
  const m = MONTHS.indexOf(month);
  const ms = Date.UTC(year, m, day, hour, minute, second);
  const back = new Date(ms);
  const exact =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === m &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  return exact ? ms : undefined;
}

/** An HTTP-date (RFC 9110 §5.6.7) as milliseconds since the epoch, or undefined when it is not one. */
export function parseHttpDate(text: string, nowMs: number): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match) return utc(Number(match[3]), match[2]!, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]));
  match = RFC850_DATE.exec(text);
  if (match) {
    // RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is the latest past year with those digits; any other, the coming one.
    const thisYear = new Date(nowMs).getUTCFullYear();
    let year = thisYear - (thisYear % 100) + Number(match[3]);
    if (year > thisYear + 50) year -= 100;
    else if (year + 100 <= thisYear + 50) year += 100;
    return utc(year, match[2]!, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]));
  }
  match = ASCTIME_DATE.exec(text);
  if (match) return utc(Number(match[6]), match[1]!, Number(match[2]!.trim()), Number(match[3]), Number(match[4]), Number(match[5]));
  return undefined;
}

/**
 * Whole seconds to wait before trying again, per a Retry-After field value
 * received at `nowMs`: the delay-seconds as given, or the time until the
 * HTTP-date, rounded up (0 for a date passed already). Undefined when the
 * field is absent or is neither form: the server then said nothing of when.
 */
export function retryAfterSeconds(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  // delay-seconds = 1*DIGIT (RFC 9110 §10.2.3).
  if (/^\d+$/.test(text)) return Number(text);
  const at = parseHttpDate(text, nowMs);
  return at === undefined ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}
