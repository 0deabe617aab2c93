"""The provisional holiday schedule for years the holiday package does not cover and no administrator has confirmed.

The statutory holidays need no State Council notice: the dates are fixed by law (全国年节及纪念日放假办法 as revised
by the State Council on 2024-11-10, in force from 2025-01-01), only the bridging days and the make-up working days
(调休) of each year are announced. So a year without its notice still knows these rest days:

- 元旦 1 day: 1 January;
- 春节 4 days: 除夕 (the last day of the old lunar year) and 正月初一 to 初三;
- 清明节 1 day: the day of the 清明 solar term;
- 劳动节 2 days: 1 and 2 May (the 2025 revision added 2 May; DOMAIN.md's "5/1" is the older rule);
- 端午节 1 day: 五月初五; 中秋节 1 day: 八月十五;
- 国庆节 3 days: 1 to 3 October.

Lunar dates and the 清明 solar term come from borax (pure Python, offline, 1900–2100). No bridging day and no
make-up working day is guessed: a provisional year counts every other Monday–Friday as a working day.
"""

from datetime import date, timedelta
from functools import lru_cache

from borax.calendars.lunardate import LunarDate, TermUtils


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory rest days of `year` by date, with their names. Empty for a year the lunar library lacks."""
    try:
        new_year = LunarDate(year, 1, 1).to_solar_date()
        days = {
            date(year, 1, 1): "元旦",
            TermUtils.day_start_from_term(year, "清明"): "清明节",
            date(year, 5, 1): "劳动节",
            date(year, 5, 2): "劳动节",
            LunarDate(year, 5, 5).to_solar_date(): "端午节",
            LunarDate(year, 8, 15).to_solar_date(): "中秋节",
        }
    except (ValueError, IndexError, KeyError):  # outside the library's 1900–2100
        return {}
    days.update({new_year + timedelta(days=i): "春节" for i in range(-1, 3)})
    days.update({date(year, 10, d): "国庆节" for d in (1, 2, 3)})
    return days
