//! The map's layers as a print scene (feature `formats`), for "print / export view" in both
//! shells: the same layers the one map draws, parsed once per print.

use onemap_formats::print::Scene;

use crate::map::MapData;

/// The layers of `map` (context, districts … cases) as a [`Scene`] for
/// `onemap_formats::print::render`, noted synthetic when its sub-grids or stations are.
///
/// # Errors
/// [`onemap::Error::Invalid`] when a layer's GeoJSON does not parse (it always should).
pub fn scene(map: &MapData) -> onemap::Result<Scene> {
    let mut scene = Scene::default();
    for name in [
        "context",
        "districts",
        "streets",
        "communities",
        "subgrids",
        "roads",
        "circles",
        "stations",
        "buildings",
        "cameras",
        "cases",
    ] {
        let text = map
            .layer(name)
            .map_err(|e| onemap::Error::Invalid(e.to_string()))?;
        scene
            .add_geojson(name, &text)
            .map_err(|e| onemap::Error::Invalid(format!("{name}: {e}")))?;
    }
    scene.synthetic = ["subgrids", "stations"].iter().any(|l| {
        scene
            .layer(l)
            .iter()
            .any(|r| r.properties.get("synthetic") == Some(&serde_json::Value::Bool(true)))
    });
    Ok(scene)
}
