//! Calendar arithmetic for Asia/Shanghai (UTC+8 all year, no daylight saving since 1991):
//! enough to write ISO 8601 dates and `+08:00` instants without a date library.

/// Minutes since 1970-01-01T00:00 local time (UTC+8).
pub type LocalMinutes = i64;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD` of a day count.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDThh:mm:ss+08:00` of a local time given in seconds since the local epoch.
pub fn format_local_instant(local_seconds: i64) -> String {
    let days = local_seconds.div_euclid(86_400);
    let secs = local_seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}+08:00",
        format_date(days),
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// Day of the week, 0 = Monday.
pub fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_format() {
        let d = days_from_civil(2023, 6, 29);
        assert_eq!(civil_from_days(d), (2023, 6, 29));
        assert_eq!(format_date(days_from_civil(2022, 1, 1)), "2022-01-01");
        assert_eq!(
            weekday(days_from_civil(2022, 1, 1)),
            5,
            "2022-01-01 was a Saturday"
        );
        assert_eq!(
            format_local_instant(d * 86_400 + 9 * 3600 + 5),
            "2023-06-29T09:00:05+08:00"
        );
    }
}
