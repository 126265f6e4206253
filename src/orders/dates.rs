//! Local order dates (seed 004's `order_date`, `YYYY-MM-DD HH:MM:SS`): wall-clock
//! times without an offset, read in `IMPORT_TIMEZONE`. Pure, so the DST rules
//! are tested here: a time the clocks skip is refused, one they pass twice is
//! the earlier instant.

use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Wall-clock formats read in the zone; a fraction of a second may follow.
const LOCAL_FORMATS: [&str; 2] = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"];

/// The instant `text` names: a local date and time (`2019-01-01 12:00:00`,
/// also with a `T`) read in `zone`, or an RFC 3339 date-time with its own
/// offset, taken as it is. The error is a sentence for the field's message.
pub fn read_local(text: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.to_utc());
    }
    let Some(local) = LOCAL_FORMATS
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    else {
        return Err(format!(
            "\"{text}\" is not a date and time: expected YYYY-MM-DD HH:MM:SS (read in {}), \
             or RFC 3339 with an offset",
            zone.name()
        ));
    };
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => Ok(at.to_utc()),
        // The hour the clocks go back happens twice; the first one is the
        // order a shop's clock showed first, and nothing says otherwise.
        LocalResult::Ambiguous(earlier, _) => Ok(earlier.to_utc()),
        LocalResult::None => Err(format!(
            "{} does not exist in {}: the clocks skip it (summer time begins); give a time \
             outside the skipped hour, or an offset",
            local.format("%Y-%m-%d %H:%M:%S"),
            zone.name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Amsterdam;

    fn utc(text: &str, zone: Tz) -> String {
        read_local(text, zone).unwrap().to_rfc3339()
    }

    #[test]
    fn the_seed_format_is_read_in_the_zone() {
        assert_eq!(
            utc("2019-01-01 12:00:00", Tz::UTC),
            "2019-01-01T12:00:00+00:00"
        );
        // Winter (UTC+1) and summer (UTC+2) time.
        assert_eq!(
            utc("2019-01-01 12:00:00", Amsterdam),
            "2019-01-01T11:00:00+00:00"
        );
        assert_eq!(
            utc(" 2019-07-01T12:00:00 ", Amsterdam),
            "2019-07-01T10:00:00+00:00"
        );
        assert_eq!(
            utc("2019-07-01 12:00:00.250", Amsterdam),
            "2019-07-01T10:00:00.250+00:00"
        );
    }

    #[test]
    fn an_offset_wins_over_the_zone() {
        assert_eq!(
            utc("2019-07-01T12:00:00+05:00", Amsterdam),
            "2019-07-01T07:00:00+00:00"
        );
    }

    #[test]
    fn a_skipped_local_time_is_refused_and_a_repeated_one_is_the_earlier() {
        // 2026-03-29: 02:00 becomes 03:00 in Amsterdam.
        let err = read_local("2026-03-29 02:30:00", Amsterdam).unwrap_err();
        assert_eq!(
            err,
            "2026-03-29 02:30:00 does not exist in Europe/Amsterdam: the clocks skip it \
             (summer time begins); give a time outside the skipped hour, or an offset"
        );
        assert_eq!(
            utc("2026-03-29 03:00:00", Amsterdam),
            "2026-03-29T01:00:00+00:00"
        );
        // 2026-10-25: 03:00 becomes 02:00 again; 02:30 happens at 00:30 and
        // at 01:30 UTC.
        assert_eq!(
            utc("2026-10-25 02:30:00", Amsterdam),
            "2026-10-25T00:30:00+00:00"
        );
    }

    #[test]
    fn other_formats_say_what_is_expected() {
        for bad in ["01/01/2019", "2019-01-01", "2019-13-01 00:00:00", ""] {
            let err = read_local(bad, Amsterdam).unwrap_err();
            assert!(
                err.contains("expected YYYY-MM-DD HH:MM:SS (read in Europe/Amsterdam)"),
                "{bad}: {err}"
            );
        }
    }
}
