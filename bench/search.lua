-- Public: Chinese full-text search over titles, 案由, 建议 and the public
-- versions of replies, 20 a page. Words people would type; most occur in the
-- seeded archive (its phrase bank covers these topics), a few do not; one
-- query in five is two words apart, both of which must appear.
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

local words = {
  "养老服务", "老旧小区", "学前教育", "垃圾分类", "营商环境", "乡村振兴",
  "医疗保障", "停车难", "交通拥堵", "食品安全", "非物质文化遗产", "人才引进",
  "生态环境", "河道", "智慧城市", "融资", "饮用水", "心理健康",
  "体育设施", "社会治理", "护理人员", "数字政府", "充电桩", "物业管理",
  "全域旅游", "产教融合", "残疾人就业", "应急管理", "粮食安全", "城市内涝",
  "托育服务", "科技成果转化", "骑手权益", "直播营销", "数字鸿沟", "法律服务",
  "联席会议", "专项资金", "地铁票价", "夜间经济",
  "养老服务 社区", "老旧小区 加装电梯", "学前教育 普惠", "垃圾分类 宣传",
  "停车难 老旧小区", "医疗保障 基层", "乡村振兴 人才", "充电桩 小区",
  "营商环境 中小企业", "生态环境 河道",
}
local paths = {}

function init(args)
  for i, word in ipairs(words) do
    paths[i] = "/api/public/proposals?q=" .. bench.urlencode(word) .. "&per_page=20"
  end
  bench.seed_random()
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  bench.report(summary, latency)
end
