//! Pools of Chinese words the synthetic layers are named from. All generated names are
//! marked synthetic in the data; they only have to sound like Shenzhen.

/// First characters of road-name stems.
const STEM_FIRST: [&str; 40] = [
    "华", "光", "东", "南", "公", "凤", "玉", "松", "河", "科", "创", "邦", "兴", "富", "康", "宁",
    "和", "德", "圳", "楼", "翠", "碧", "长", "红", "金", "龙", "观", "振", "建", "民", "福", "荣",
    "顺", "泰", "文", "明", "新", "同", "永", "聚",
];

/// Second characters of road-name stems.
const STEM_SECOND: [&str; 36] = [
    "夏", "明", "环", "侨", "常", "安", "华", "盛", "业", "山", "湖", "园", "田", "岭", "林", "景",
    "城", "源", "利", "达", "发", "祥", "丰", "裕", "平", "宝", "塘", "凯", "桥", "港", "新", "秀",
    "泉", "峰", "湾", "溪",
];

/// Surnames for synthetic reporters, roughly by frequency in Guangdong.
pub const SURNAMES: [&str; 30] = [
    "陈", "李", "黄", "张", "梁", "刘", "林", "王", "吴", "何", "罗", "郑", "杨", "周", "谢", "叶",
    "邓", "赵", "曾", "钟", "徐", "冯", "朱", "彭", "胡", "蔡", "温", "邱", "廖", "麦",
];

/// Characters for synthetic given names.
pub const GIVEN: [&str; 40] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玲", "斌", "辉", "建", "文", "婷", "雪", "晨",
    "宇", "浩", "欣", "怡", "俊", "海", "燕", "红",
];

/// Chinese numerals 1–99 as used in lane names (`三巷`, `十二巷`).
pub fn chinese_ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0 => DIGITS[0].to_owned(),
        1..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// The `index`-th two-character road stem of a fixed, scrambled sequence (1,440 stems; the
/// sequence repeats after that). Stems whose two characters are the same are skipped by
/// construction.
pub fn road_stem(index: usize) -> String {
    let total = STEM_FIRST.len() * STEM_SECOND.len();
    // A multiplier coprime to the total scrambles neighbouring indexes apart.
    let scrambled = (index.wrapping_mul(7919) + 13) % total;
    let first = STEM_FIRST[scrambled % STEM_FIRST.len()];
    let second = STEM_SECOND[scrambled / STEM_FIRST.len()];
    if first == second {
        format!(
            "{first}{}",
            STEM_SECOND[(scrambled / STEM_FIRST.len() + 1) % STEM_SECOND.len()]
        )
    } else {
        format!("{first}{second}")
    }
}

/// The stem of a community's name: `李松蓢社区` → `李松蓢`.
pub fn community_stem(name: &str) -> &str {
    name.strip_suffix("社区").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_read_as_chinese() {
        assert_eq!(chinese_ordinal(3), "三");
        assert_eq!(chinese_ordinal(12), "十二");
        assert_eq!(chinese_ordinal(40), "四十");
        assert_eq!(chinese_ordinal(57), "五十七");
    }

    #[test]
    fn road_stems_do_not_repeat_within_the_pool() {
        let mut stems: Vec<String> = (0..1440).map(road_stem).collect();
        stems.sort();
        stems.dedup();
        assert!(stems.len() > 1400);
    }
}
