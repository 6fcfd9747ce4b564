//! The Guangming dataset (`geodata/guangming/`), built into the binary so that an installed
//! `onemap` answers spatial queries without any data files. Only the layers the spatial engine
//! reads are embedded.

use onemap_geo::dataset::Sources;

/// The layer files of `geodata/guangming/`.
pub const SOURCES: Sources<'static> = Sources {
    districts: include_str!("../../../geodata/guangming/districts.geojson"),
    streets: include_str!("../../../geodata/guangming/streets.geojson"),
    communities: include_str!("../../../geodata/guangming/communities.geojson"),
    subgrids: include_str!("../../../geodata/guangming/subgrids.geojson"),
    stations: include_str!("../../../geodata/guangming/stations.geojson"),
    buildings: include_str!("../../../geodata/guangming/buildings.geojson"),
    cameras: include_str!("../../../geodata/guangming/cameras.geojson"),
};

/// The bundled road network (synthetic), for walking distance.
pub const ROADS: &str = include_str!("../../../geodata/guangming/roads.geojson");
