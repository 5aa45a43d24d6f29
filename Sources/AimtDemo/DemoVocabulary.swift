/// The words the demo's names and titles are made from.
extension DemoGenerator {
  /// The KOLs' content categories.
  static let kolCategories = ["beauty", "skincare", "fashion", "lifestyle", "mom_baby"]
  /// Given names the KOL names are made from.
  static let personNames = [
    "小美", "阿杰", "露露", "小鹿", "糖糖", "大白", "橙子", "木木", "小雨", "阿May", "七七", "安妮",
    "豆豆", "小鱼", "佳佳", "阿楠",
  ]
  /// Topics the KOL names are made from.
  static let topics = ["美妆", "护肤", "穿搭", "好物", "成分", "通勤", "学生党", "宝妈"]
  /// Places the KOL names are made from (`露露的化妆间`).
  static let places = ["化妆间", "日常", "小屋", "种草机", "梳妆台", "衣橱"]
  /// Each brand's products.
  static let products = [
    ["山茶花精华水", "山茶花气垫", "山茶花口红"],
    ["白桦林面霜", "白桦林防晒", "白桦林洁面"],
    ["青柠檬沐浴露", "青柠檬洗发水", "青柠檬身体乳"],
  ]
  /// Video titles.
  static let titles = [
    "早八通勤妆 5 分钟", "油皮夏天怎么护肤", "618 必买口红合集", "学生党平价好物分享", "熬夜急救面膜实测",
    "一周穿搭不重样", "敏感肌也能用的防晒", "素人改造：约会妆", "空瓶记：这些真的好用", "宝妈的十分钟护肤",
    "黄皮显白口红试色", "沐浴露香味大测评", "换季护肤三步走", "办公室补妆神器", "成分党看过来",
    "百元内的宝藏单品",
  ]
}
