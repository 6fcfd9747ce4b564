//! The vocabulary of the case model: channels, levels, grades, states, tiers.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Declares a closed string enum stored as its snake_case name.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $v),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
            /// Parses the stored name.
            pub fn parse(s: &str) -> $crate::error::Result<Self> {
                match s {
                    $($s => Ok($name::$v),)+
                    _ => Err($crate::error::Error::Invalid(format!(
                        concat!("unknown ", stringify!($name), " {:?} (expected one of: {})"),
                        s,
                        [$($s),+].join(", ")
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// How a case came in.
    Channel {
        /// Walk-in at a district, street or community hall (群众诉求服务大厅).
        Hall = "hall",
        /// Walk-in at a neighbourhood station (站点).
        Station = "station",
        /// The 24-hour 12345 hotline.
        Hotline = "hotline",
        /// The city app or mini-program.
        App = "app",
        /// The QR code on a building's door (书记在线、接诉即办).
        Qr = "qr",
        /// A sub-grid patrol (巡纠).
        Patrol = "patrol",
        /// A camera AI alert (一键报).
        Camera = "camera",
    }
}

string_enum! {
    /// Handling level.
    Level {
        /// Corrected on the spot by the patrol.
        L1 = "L1",
        /// Dispatched to the community / sub-grid.
        L2 = "L2",
        /// Reported straight to the street or a district department.
        L3 = "L3",
    }
}

string_enum! {
    /// Where a case is in the closed loop.
    State {
        /// Reported (上报), waiting for dispatch.
        Reported = "reported",
        /// Dispatched (分拨) to a handling unit, not yet taken up.
        Dispatched = "dispatched",
        /// Being handled (处置).
        Handling = "handling",
        /// Handled, waiting for review (复核).
        Review = "review",
        /// Closed by the review.
        Closed = "closed",
    }
}

string_enum! {
    /// The administrative tier responsible for a case; escalation moves it one up.
    Tier {
        /// The red sub-grid (红色小分格): its patrol.
        Subgrid = "subgrid",
        /// The community (社区).
        Community = "community",
        /// The street (街道).
        Street = "street",
        /// The district (区).
        District = "district",
    }
}

string_enum! {
    /// How a closed case ended.
    Outcome {
        /// The appeal was resolved.
        Resolved = "resolved",
        /// Closed without resolution (e.g. unreasonable demand, referred to court).
        Unresolved = "unresolved",
    }
}

string_enum! {
    /// How pressing a case is, as judged at intake.
    Urgency {
        /// Ordinary.
        Normal = "normal",
        /// Needs attention today.
        High = "high",
        /// Immediate danger to people or order.
        Critical = "critical",
    }
}

impl Tier {
    /// The tier a level starts at: L1 the sub-grid, L2 the community, L3 the street.
    pub fn for_level(level: Level) -> Tier {
        match level {
            Level::L1 => Tier::Subgrid,
            Level::L2 => Tier::Community,
            Level::L3 => Tier::Street,
        }
    }
    /// One tier up, or `None` at the district.
    pub fn up(self) -> Option<Tier> {
        match self {
            Tier::Subgrid => Some(Tier::Community),
            Tier::Community => Some(Tier::Street),
            Tier::Street => Some(Tier::District),
            Tier::District => None,
        }
    }
}

/// Warning grade 1–3 (分级预警); 1 is the most serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grade(u8);

impl Grade {
    /// Grade 1: the most serious.
    pub const ONE: Grade = Grade(1);
    /// Grade 2.
    pub const TWO: Grade = Grade(2);
    /// Grade 3: the least serious.
    pub const THREE: Grade = Grade(3);
    /// A grade from its number, which must be 1, 2 or 3.
    pub fn new(n: i64) -> Result<Grade> {
        match n {
            1..=3 => Ok(Grade(n as u8)),
            _ => Err(Error::invalid(format!(
                "warning grade must be 1, 2 or 3, not {n}"
            ))),
        }
    }
    /// The number.
    pub fn get(self) -> i64 {
        i64::from(self.0)
    }
}
