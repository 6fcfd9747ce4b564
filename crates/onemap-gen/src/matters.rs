//! The catalogue of matter types (治理事项清单). The official list of 217 is not public; this
//! one is synthetic: plausible matters under seven domains, each with a default handling level
//! and time limits.

/// A matter type.
#[derive(Debug, Clone)]
pub struct Matter {
    /// `M001` … `M217`.
    pub code: String,
    /// Chinese name.
    pub name: &'static str,
    /// Domain key.
    pub domain: &'static str,
    /// Domain name in Chinese.
    pub domain_name: &'static str,
    /// Default handling level: `L1`, `L2` or `L3`.
    pub default_level: &'static str,
    /// Time to resolve: `same_day`, `hours:N` or `days:N`.
    pub resolve: String,
}

/// (domain key, Chinese name, default level, resolve limit, matters).
type Domain = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const DOMAINS: [Domain; 7] = [
    (
        "dispute",
        "纠纷化解",
        "L2",
        "days:3",
        &[
            "邻里纠纷",
            "婚姻家庭纠纷",
            "赡养抚养纠纷",
            "继承纠纷",
            "劳资纠纷",
            "欠薪纠纷",
            "工伤赔偿纠纷",
            "房屋租赁纠纷",
            "押金退还纠纷",
            "物业服务纠纷",
            "物业费纠纷",
            "业主委员会纠纷",
            "装修纠纷",
            "噪音扰民纠纷",
            "漏水渗水纠纷",
            "停车位纠纷",
            "宠物饲养纠纷",
            "消费纠纷",
            "预付卡退费纠纷",
            "交通事故赔偿纠纷",
            "医疗纠纷",
            "校园纠纷",
            "合同纠纷",
            "民间借贷纠纷",
            "债务纠纷",
            "土地权属纠纷",
            "股份合作公司分红纠纷",
            "房屋买卖纠纷",
            "相邻通行纠纷",
            "建筑施工纠纷",
            "拆迁补偿纠纷",
            "征地补偿纠纷",
            "旧改搬迁纠纷",
            "群体性讨薪",
            "网络购物纠纷",
        ],
    ),
    (
        "legal",
        "公共法律",
        "L2",
        "days:5",
        &[
            "法律咨询",
            "法律援助申请",
            "人民调解申请",
            "司法确认申请",
            "公证咨询",
            "劳动仲裁咨询",
            "劳动合同审查",
            "遗嘱见证咨询",
            "婚姻家事法律咨询",
            "未成年人权益保护",
            "妇女权益保护",
            "老年人权益保护",
            "残疾人权益保护",
            "农民工维权咨询",
            "消费者维权咨询",
            "房产法律咨询",
            "债务追讨法律咨询",
            "交通事故法律咨询",
            "刑事案件咨询",
            "社区矫正报到",
            "安置帮教",
            "普法宣传需求",
            "法治讲座预约",
            "律师值班预约",
            "诉前调解转办",
        ],
    ),
    (
        "psych",
        "社会心理",
        "L2",
        "days:2",
        &[
            "心理咨询预约",
            "情绪疏导",
            "家庭关系辅导",
            "亲子关系辅导",
            "青少年心理辅导",
            "学业压力疏导",
            "职场压力疏导",
            "婚恋情感咨询",
            "失业人员心理支持",
            "老年人心理关爱",
            "独居老人探访",
            "留守儿童关爱",
            "精神障碍患者随访",
            "严重精神障碍患者监护",
            "危机干预",
            "自伤风险预警",
            "丧亲哀伤辅导",
            "戒毒康复人员心理支持",
            "信访人员心理疏导",
            "矛盾当事人心理评估",
        ],
    ),
    (
        "complaint",
        "投诉建议",
        "L2",
        "days:5",
        &[
            "服务态度投诉",
            "办事效率投诉",
            "窗口服务投诉",
            "政务热线建议",
            "公共交通投诉",
            "公交线路建议",
            "出租车网约车投诉",
            "供水服务投诉",
            "供电服务投诉",
            "燃气服务投诉",
            "通信网络投诉",
            "快递物流投诉",
            "医疗服务投诉",
            "教育收费投诉",
            "学位申请咨询",
            "食品安全投诉",
            "药品安全投诉",
            "价格欺诈投诉",
            "虚假宣传投诉",
            "商品质量投诉",
            "物业服务投诉",
            "中介服务投诉",
            "公共设施建议",
            "社区活动建议",
            "环境卫生投诉",
            "政策咨询",
            "户籍办理咨询",
            "社保医保咨询",
            "公积金咨询",
            "不动产登记咨询",
        ],
    ),
    (
        "assistance",
        "帮扶救助",
        "L2",
        "days:7",
        &[
            "最低生活保障申请",
            "低收入家庭认定",
            "特困人员供养",
            "临时救助申请",
            "医疗救助申请",
            "教育救助申请",
            "住房救助申请",
            "残疾人两项补贴",
            "高龄津贴申请",
            "困境儿童保障",
            "孤儿保障",
            "流浪乞讨人员救助",
            "失业登记与就业援助",
            "就业岗位推荐",
            "技能培训报名",
            "创业扶持咨询",
            "退役军人帮扶",
            "优抚对象帮扶",
            "独居老人帮扶",
            "居家养老服务申请",
            "长者饭堂服务",
            "重病家庭帮扶",
            "因灾受困救助",
            "慈善资源对接",
            "志愿服务需求",
            "公租房申请",
            "人才住房申请",
            "困难职工帮扶",
            "妇女儿童关爱服务",
            "欠薪垫付申请",
        ],
    ),
    (
        "city",
        "城市管理",
        "L1",
        "same_day",
        &[
            "占道经营",
            "流动摊贩",
            "店外经营",
            "乱张贴小广告",
            "违规设置广告牌",
            "乱堆乱放",
            "楼道堆放杂物",
            "生活垃圾未及时清运",
            "垃圾分类不规范",
            "建筑垃圾乱倒",
            "绿化带破坏",
            "树木倒伏",
            "路面破损",
            "人行道破损",
            "井盖缺失破损",
            "路灯不亮",
            "道路积水",
            "下水道堵塞",
            "污水外溢",
            "河道垃圾",
            "黑臭水体",
            "违规停车",
            "共享单车乱停放",
            "电动车违规停放",
            "僵尸车",
            "施工噪音",
            "夜间施工",
            "商业噪音",
            "油烟扰民",
            "露天焚烧",
            "扬尘污染",
            "违法搭建",
            "私搭乱建",
            "违规改变房屋用途",
            "户外晾晒影响市容",
            "公共厕所脏乱",
            "公园设施损坏",
            "健身器材损坏",
            "交通信号灯故障",
            "交通标志缺失",
            "公交站台损坏",
            "无障碍设施被占用",
            "道路遗撒",
            "废弃家具清运",
            "犬只扰民",
        ],
    ),
    (
        "safety",
        "安全隐患",
        "L1",
        "hours:4",
        &[
            "消防通道堵塞",
            "安全出口锁闭",
            "消防设施损坏",
            "电动自行车入户充电",
            "飞线充电",
            "电线私拉乱接",
            "瓶装燃气违规使用",
            "燃气泄漏",
            "房屋结构开裂",
            "危房隐患",
            "边坡隐患",
            "高空坠物隐患",
            "广告牌松动",
            "建筑工地安全隐患",
            "有限空间作业隐患",
            "三小场所消防隐患",
            "出租屋人员超员",
            "群租房隐患",
            "厂房住人",
            "化学品违规存放",
            "违规经营加油点",
            "道路交通安全隐患",
            "学校周边安全隐患",
            "水域溺水隐患",
            "台风防御隐患",
            "内涝隐患",
            "电梯故障困人",
            "可疑人员",
            "治安纠纷苗头",
            "涉诈线索",
            "黄赌毒线索",
            "寄递安全隐患",
        ],
    ),
];

/// The whole catalogue, codes assigned in domain order.
pub fn catalogue() -> Vec<Matter> {
    let mut matters = Vec::new();
    for (domain, domain_name, level, resolve, names) in DOMAINS {
        for (i, name) in names.iter().enumerate() {
            // A few matters in each domain need the street or a department (L3); the first of
            // city and safety are everyday L1 patrol work.
            let default_level = if i % 9 == 8 { "L3" } else { level };
            let resolve = if default_level == "L3" {
                "days:15".to_owned()
            } else {
                resolve.to_owned()
            };
            matters.push(Matter {
                code: format!("M{:03}", matters.len() + 1),
                name,
                domain,
                domain_name,
                default_level,
                resolve,
            });
        }
    }
    matters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_217_distinct_matters() {
        let c = catalogue();
        assert_eq!(c.len(), 217);
        let mut names: Vec<&str> = c.iter().map(|m| m.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 217);
    }
}
