//! OneMap's layer contract (`geodata/SCHEMA.md`) as data: the fields of each layer with their
//! types, which are required, the values an enumerated field takes and the Chinese labels those
//! values are often written as. The mapping step ([`crate::mapping`]) coerces source values into
//! these types; the import wizard lists these fields as the targets to map onto.

use serde::{Deserialize, Serialize};

/// The type of a field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Text (codes are text too).
    Text,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// True or false.
    Bool,
    /// A list of text values (written `a,b,c` in flat formats).
    List,
    /// An ISO 8601 date (`2023-06-28`).
    Date,
    /// An ISO 8601 instant with offset (`2023-06-28T09:30:00+08:00`).
    Instant,
}

/// One target field of a layer.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FieldSpec {
    /// The property name.
    pub name: &'static str,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Whether every feature must have it.
    pub required: bool,
    /// The values it may take (empty: any); for lists, the values of the items.
    pub values: &'static [EnumValue],
    /// Source field names it is often found under (besides its own), matched case-insensitively.
    pub aliases: &'static [&'static str],
}

/// An allowed value with the labels sources write it as.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EnumValue {
    /// The stored value.
    pub value: &'static str,
    /// Labels that mean it (Chinese and English), matched after trimming, case-insensitively.
    pub labels: &'static [&'static str],
}

/// A layer of the contract.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LayerSchema {
    /// File stem and store name (`buildings`).
    pub name: &'static str,
    /// Chinese name, for the wizard.
    pub name_zh: &'static str,
    /// Allowed geometry types (empty: none).
    pub geometry: &'static [&'static str],
    /// The property that holds the id.
    pub id_field: &'static str,
    /// Its fields.
    pub fields: &'static [FieldSpec],
}

impl LayerSchema {
    /// The field named `name`.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const fn f(name: &'static str, ty: FieldType) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        required: false,
        values: &[],
        aliases: &[],
    }
}
const fn req(name: &'static str, ty: FieldType) -> FieldSpec {
    FieldSpec {
        required: true,
        ..f(name, ty)
    }
}
const fn with(mut spec: FieldSpec, aliases: &'static [&'static str]) -> FieldSpec {
    spec.aliases = aliases;
    spec
}
const fn vals(mut spec: FieldSpec, values: &'static [EnumValue]) -> FieldSpec {
    spec.values = values;
    spec
}
const fn v(value: &'static str, labels: &'static [&'static str]) -> EnumValue {
    EnumValue { value, labels }
}

use FieldType::{Bool, Date, Instant, Integer, List, Number, Text};

const AREAS: &[&str] = &["Polygon", "MultiPolygon"];
const NAME: &[&str] = &["名称", "name_zh", "mc", "名字"];
const CODE: &[&str] = &["编码", "代码", "行政代码", "统计代码", "dm", "bm"];
const SYNTHETIC: FieldSpec = with(f("synthetic", Bool), &["合成", "synth"]);
const AREA: FieldSpec = with(f("area_km2", Number), &["面积", "面积_km2", "area"]);
const DISTRICT_CODE: FieldSpec = with(f("district_code", Text), &["区代码", "区编码"]);
const STREET_CODE: FieldSpec = with(f("street_code", Text), &["街道代码", "街道编码"]);
const COMMUNITY_CODE: FieldSpec = with(f("community_code", Text), &["社区代码", "社区编码"]);
const SUBGRID_CODE: FieldSpec = with(
    f("subgrid_code", Text),
    &["网格代码", "网格编码", "小分格编码"],
);

/// Building ratings (放心级 / 一般级 / 警示级).
pub const RATINGS: &[EnumValue] = &[
    v("safe", &["放心级", "放心", "绿", "green", "安全"]),
    v("general", &["一般级", "一般", "黄", "yellow"]),
    v("warning", &["警示级", "警示", "红", "red"]),
];
const STATION_LEVELS: &[EnumValue] = &[
    v("district_hall", &["区级", "区中心", "区群众诉求服务中心"]),
    v(
        "street_hall",
        &["街道级", "街道大厅", "街道群众诉求服务大厅"],
    ),
    v(
        "community_hall",
        &["社区级", "社区大厅", "社区群众诉求服务大厅"],
    ),
    v(
        "subgrid_station",
        &["站点", "小分格服务站", "网格站点", "服务站"],
    ),
];
const SERVICES: &[EnumValue] = &[
    v("appeal", &["诉求", "群众诉求", "诉求服务"]),
    v("legal", &["法律", "公共法律", "法律服务"]),
    v("psych", &["心理", "社会心理", "心理服务"]),
];
const BUILDING_KINDS: &[EnumValue] = &[
    v("village", &["城中村", "农民房"]),
    v("estate", &["小区", "住宅小区", "商品房"]),
    v("dormitory", &["宿舍", "工业宿舍"]),
];
const CAMERA_KINDS: &[EnumValue] = &[
    v("road", &["道路", "主干道"]),
    v("park", &["公园"]),
    v("checkpoint", &["卡口", "检查站"]),
    v("school", &["学校"]),
];
const ROAD_CLASSES: &[EnumValue] = &[
    v("arterial", &["主干道", "主干路"]),
    v("secondary", &["次干道", "次干路"]),
    v("local", &["支路", "巷"]),
];
const CHANNELS: &[EnumValue] = &[
    v("hall", &["大厅"]),
    v("station", &["站点"]),
    v("hotline", &["热线", "12345"]),
    v("app", &["app", "小程序"]),
    v("qr", &["二维码", "扫码"]),
    v("patrol", &["巡查", "巡纠"]),
    v("camera", &["视频", "探头", "一键报"]),
];
const LEVELS: &[EnumValue] = &[v("L1", &["一级"]), v("L2", &["二级"]), v("L3", &["三级"])];
const OUTCOMES: &[EnumValue] = &[
    v("resolved", &["已解决", "办结"]),
    v("unresolved", &["未解决"]),
    v("open", &["办理中", "未办结"]),
];

/// Every layer of the contract, in loading order.
pub const LAYERS: &[LayerSchema] = &[
    LayerSchema {
        name: "districts",
        name_zh: "区",
        geometry: AREAS,
        id_field: "code",
        fields: &[
            with(req("code", Text), CODE),
            with(req("name", Text), NAME),
            AREA,
            SYNTHETIC,
        ],
    },
    LayerSchema {
        name: "streets",
        name_zh: "街道",
        geometry: AREAS,
        id_field: "code",
        fields: &[
            with(req("code", Text), CODE),
            with(req("name", Text), NAME),
            with(req("district_code", Text), &["区代码", "区编码"]),
            AREA,
            SYNTHETIC,
        ],
    },
    LayerSchema {
        name: "communities",
        name_zh: "社区",
        geometry: AREAS,
        id_field: "code",
        fields: &[
            with(req("code", Text), CODE),
            with(req("name", Text), NAME),
            with(f("official_name", Text), &["全称", "居委会名称"]),
            with(req("street_code", Text), &["街道代码", "街道编码"]),
            DISTRICT_CODE,
            AREA,
            SYNTHETIC,
        ],
    },
    LayerSchema {
        name: "subgrids",
        name_zh: "红色小分格",
        geometry: AREAS,
        id_field: "code",
        fields: &[
            with(req("code", Text), CODE),
            with(req("name", Text), NAME),
            with(req("community_code", Text), &["社区代码", "社区编码"]),
            STREET_CODE,
            DISTRICT_CODE,
            AREA,
            with(f("population", Integer), &["人口", "常住人口", "居民数"]),
            with(f("staff", Integer), &["网格员", "人员", "下沉人员"]),
            SYNTHETIC,
        ],
    },
    LayerSchema {
        name: "stations",
        name_zh: "服务站点",
        geometry: &["Point"],
        id_field: "id",
        fields: &[
            with(req("id", Text), &["编号", "站点编号", "bh"]),
            with(req("name", Text), NAME),
            vals(with(req("level", Text), &["级别", "层级"]), STATION_LEVELS),
            vals(with(req("services", List), &["服务", "服务内容"]), SERVICES),
            with(f("hours", Text), &["开放时间", "服务时间"]),
            SUBGRID_CODE,
            COMMUNITY_CODE,
            STREET_CODE,
            SYNTHETIC,
        ],
    },
    LayerSchema {
        name: "buildings",
        name_zh: "居住出租屋",
        geometry: &["Point"],
        id_field: "id",
        fields: &[
            with(req("id", Text), &["编号", "楼栋编号", "楼栋编码", "bh"]),
            with(f("address", Text), &["地址", "楼栋地址", "门牌地址", "dz"]),
            with(f("road", Text), &["道路", "路名", "街路巷"]),
            with(f("floors", Integer), &["层数", "楼层"]),
            with(f("households", Integer), &["户数", "套数"]),
            with(f("residents", Integer), &["人数", "居住人数", "租住人数"]),
            vals(
                with(req("rating", Text), &["等级", "评级", "安全等级", "分级"]),
                RATINGS,
            ),
            with(f("reasons", List), &["原因", "隐患"]),
            with(f("last_inspection", Date), &["检查日期", "最近检查"]),
            vals(with(f("kind", Text), &["类型", "房屋类型"]), BUILDING_KINDS),
            SUBGRID_CODE,
            SYNTHETIC,
        ],
    },
    LayerSchema {
        name: "cameras",
        name_zh: "视频探头",
        geometry: &["Point"],
        id_field: "id",
        fields: &[
            with(req("id", Text), &["编号", "设备编号", "bh"]),
            with(f("name", Text), NAME),
            vals(with(req("kind", Text), &["类型", "点位类型"]), CAMERA_KINDS),
            with(f("road", Text), &["道路", "路名"]),
            SUBGRID_CODE,
            SYNTHETIC,
        ],
    },
    LayerSchema {
        name: "roads",
        name_zh: "道路",
        geometry: &["LineString", "MultiLineString"],
        id_field: "id",
        fields: &[
            with(req("id", Text), &["编号", "bh"]),
            with(f("name", Text), NAME),
            vals(
                with(req("class", Text), &["等级", "道路等级"]),
                ROAD_CLASSES,
            ),
            with(f("length_m", Number), &["长度", "长度_m"]),
            SYNTHETIC,
        ],
    },
    LayerSchema {
        name: "matters",
        name_zh: "治理事项",
        geometry: &[],
        id_field: "code",
        fields: &[
            with(req("code", Text), CODE),
            with(req("name", Text), NAME),
            req("domain", Text),
            f("domain_name", Text),
            vals(req("default_level", Text), LEVELS),
            req("notice_minutes", Integer),
            req("meet_minutes", Integer),
            req("resolve", Text),
            SYNTHETIC,
        ],
    },
    LayerSchema {
        name: "cases",
        name_zh: "诉求案件",
        geometry: &["Point"],
        id_field: "id",
        fields: &[
            with(req("id", Text), &["编号", "案件编号"]),
            vals(with(req("channel", Text), &["渠道", "来源"]), CHANNELS),
            with(req("matter", Text), &["事项", "事项编码"]),
            with(f("description", Text), &["描述", "内容", "诉求内容"]),
            vals(with(req("level", Text), &["层级", "处置层级"]), LEVELS),
            with(f("grade", Integer), &["预警等级"]),
            with(f("people", Integer), &["人数", "涉及人数"]),
            with(f("money_yuan", Number), &["金额", "涉及金额"]),
            SUBGRID_CODE,
            f("building_id", Text),
            f("camera_id", Text),
            with(f("reporter_name", Text), &["姓名", "诉求人"]),
            with(f("reporter_phone", Text), &["电话", "联系电话"]),
            with(req("reported_at", Instant), &["上报时间", "受理时间"]),
            f("noticed_at", Instant),
            f("met_at", Instant),
            f("resolved_at", Instant),
            f("closed_at", Instant),
            vals(with(req("outcome", Text), &["结果", "办理结果"]), OUTCOMES),
            SYNTHETIC,
        ],
    },
];

/// The schema of a layer by name.
///
/// ```
/// let b = onemap_formats::schema::layer("buildings").expect("a layer");
/// assert_eq!(b.id_field, "id");
/// assert!(b.field("rating").expect("rating").required);
/// assert!(onemap_formats::schema::layer("nope").is_none());
/// ```
#[must_use]
pub fn layer(name: &str) -> Option<&'static LayerSchema> {
    LAYERS.iter().find(|l| l.name == name)
}

/// The stored value an enumerated field's `label` means (the value itself or one of its
/// labels, trimmed, case-insensitive), if any.
///
/// ```
/// use onemap_formats::schema::{canonical_value, RATINGS};
/// assert_eq!(canonical_value(RATINGS, " 警示级 "), Some("warning"));
/// assert_eq!(canonical_value(RATINGS, "SAFE"), Some("safe"));
/// assert_eq!(canonical_value(RATINGS, "unknown"), None);
/// ```
#[must_use]
pub fn canonical_value(values: &[EnumValue], label: &str) -> Option<&'static str> {
    let label = label.trim();
    values
        .iter()
        .find(|v| {
            v.value.eq_ignore_ascii_case(label)
                || v.labels.iter().any(|l| l.eq_ignore_ascii_case(label))
        })
        .map(|v| v.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_has_its_id_field_as_a_required_field() {
        for l in LAYERS {
            let id = l.field(l.id_field).expect("id field listed");
            assert!(id.required, "{}", l.name);
        }
    }

    #[test]
    fn field_names_are_unique_within_a_layer() {
        for l in LAYERS {
            let mut names: Vec<&str> = l.fields.iter().map(|f| f.name).collect();
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "{}", l.name);
        }
    }
}
