//! 500-m coverage per unit and service, computed once per Atlas snapshot (exact circle areas
//! take a while) and shared by the KPIs, the charts and the risk score.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use onemap::locate::Locator;
use onemap_geo::coverage::UnitCoverage;
use onemap_geo::dataset::{AdminLevel, Service};

use crate::context::Source;
use crate::error::Result;

/// The radius of every service circle (500米服务圈), metres.
pub const CIRCLE_RADIUS_M: f64 = 500.0;

/// The services a report shows coverage of: each of the three, and any (`None`).
pub(crate) const SERVICES: [Option<Service>; 4] = [
    Some(Service::Appeal),
    Some(Service::Legal),
    Some(Service::Psych),
    None,
];

/// The schema name of a service, `any` for `None`.
pub(crate) fn service_name(s: Option<Service>) -> &'static str {
    s.map_or("any", Service::as_str)
}

/// Coverage rows per (level, service), in the Atlas's unit order.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    rows: HashMap<(AdminLevel, Option<Service>), Vec<UnitCoverage>>,
}

impl Tables {
    pub(crate) fn get(&self, level: AdminLevel, service: Option<Service>) -> &[UnitCoverage] {
        self.rows.get(&(level, service)).map_or(&[], Vec::as_slice)
    }
}

type Cached = (Weak<dyn Locator>, Arc<Tables>);

/// The tables of `src`'s snapshot, computed on first use. The cache holds the snapshot weakly,
/// so a rebuilt Atlas (an import, a rating change) is never answered from the old one.
pub(crate) fn tables(src: &Source) -> Result<Arc<Tables>> {
    static CACHE: Mutex<Option<Cached>> = Mutex::new(None);
    let atlas = src.atlas()?;
    let key = Arc::downgrade(src.locator());
    let mut cache = match CACHE.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some((k, t)) = cache.as_ref()
        && Weak::ptr_eq(k, &key)
    {
        return Ok(Arc::clone(t));
    }
    let mut rows = HashMap::new();
    for level in [
        AdminLevel::District,
        AdminLevel::Street,
        AdminLevel::Community,
        AdminLevel::Subgrid,
    ] {
        for s in SERVICES {
            rows.insert((level, s), atlas.coverage(s, CIRCLE_RADIUS_M, level));
        }
    }
    let t = Arc::new(Tables { rows });
    *cache = Some((key, Arc::clone(&t)));
    Ok(t)
}
