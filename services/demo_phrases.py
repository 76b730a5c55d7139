"""The demo's phrasebook: planted pain points and the zh/en phrases feedback texts are built from.

Kept apart from db/demo.py, which turns them into a seeded workspace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PainPoint:
    """A recurring complaint the demo plants in the feedback (the ground truth a topic model should find)."""

    key: str
    category: str  # one of analytics.vocabulary.CATEGORIES
    severity: str  # mild, moderate, severe
    label_zh: str
    label_en: str
    channels: tuple[float, float, float, float]  # in_app, customer_service, community, other


PAIN_POINTS: tuple[PainPoint, ...] = (
    PainPoint("dosage_guideline", "accuracy", "severe", "药物剂量错误、指南过时", "Wrong dosage / outdated guidelines", (0.50, 0.30, 0.17, 0.03)),
    PainPoint("hallucinated_refs", "accuracy", "moderate", "编造参考文献", "Hallucinated references", (0.55, 0.10, 0.32, 0.03)),
    PainPoint("lost_context", "interaction", "moderate", "追问时丢失上下文", "Loses context on follow-up questions", (0.65, 0.10, 0.22, 0.03)),
    PainPoint("verbose", "interaction", "mild", "回答过于冗长", "Answers too verbose", (0.60, 0.05, 0.32, 0.03)),
    PainPoint("slow_peak", "performance", "moderate", "高峰期响应慢、超时", "Slow responses and timeouts at peak hours", (0.50, 0.20, 0.27, 0.03)),
    PainPoint("upload_crash", "performance", "severe", "上传化验单/图片闪退", "Crashes when uploading lab reports / images", (0.35, 0.45, 0.15, 0.05)),
    PainPoint("refusals", "other", "moderate", "拒答正常问题", "Refuses legitimate questions", (0.55, 0.15, 0.27, 0.03)),
    PainPoint("login_code", "other", "moderate", "登录与验证码问题", "Login / verification code problems", (0.20, 0.65, 0.10, 0.05)),
    PainPoint("voice_dialect", "interaction", "mild", "语音识别听不懂方言口音", "Voice input fails with dialects / accents", (0.60, 0.15, 0.20, 0.05)),
    PainPoint("privacy", "other", "moderate", "担心隐私与数据共享", "Privacy worries about data sharing", (0.30, 0.30, 0.35, 0.05)),
)  # fmt: skip
PAIN = {p.key: p for p in PAIN_POINTS}
NOISE_CHANNELS = (0.60, 0.10, 0.22, 0.08)
FEEDBACK_CHANNELS = ("in_app", "customer_service", "community", "other")

# Rating (1..5) distributions by how much a complaint hurts.
RATINGS = {
    "severe": (0.62, 0.28, 0.08, 0.02, 0.0),
    "moderate": (0.30, 0.40, 0.22, 0.07, 0.01),
    "mild": (0.12, 0.33, 0.38, 0.15, 0.02),
    "praise": (0.0, 0.0, 0.05, 0.30, 0.65),
    "neutral": (0.0, 0.05, 0.30, 0.45, 0.20),
    "improved": (0.0, 0.02, 0.13, 0.45, 0.40),
}
CS_SEVERITY = {
    "severe": ((3, 4), (0.45, 0.55)),
    "moderate": ((2, 3), (0.55, 0.45)),
    "mild": ((1, 2), (0.6, 0.4)),
}


# --- phrasebook --------------------------------------------------------------------------------------
# Texts are built as opener + core + closer with slots filled from SLOTS, then made informal at random,
# so that the same complaint reads differently almost every time, in both languages.

SLOTS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "drug": ("二甲双胍", "阿莫西林", "布洛芬", "华法林", "阿托伐他汀", "氨氯地平", "甘精胰岛素", "左甲状腺素钠", "奥美拉唑", "对乙酰氨基酚", "氯吡格雷", "阿奇霉素", "头孢克肟", "美托洛尔"),
        "dept": ("心内科", "内分泌科", "儿科", "呼吸科", "消化科", "肾内科", "急诊科", "皮肤科", "神经内科", "妇产科"),
        "group": ("儿童", "老年人", "孕妇", "肾功能不全的病人", "肝功能不好的患者", "体重偏低的孩子", "哺乳期妈妈"),
        "guideline": ("高血压指南", "糖尿病诊疗指南", "慢阻肺指南", "血脂管理指南", "抗凝治疗共识", "儿童用药指南", "哮喘防治指南"),
        "year": ("2019年", "2020年", "2021年", "旧", "好几年前的"),
        "lab": ("血常规", "肝功能报告", "肾功能化验单", "甲功报告", "体检报告", "心电图", "CT报告", "尿常规", "血脂化验单", "B超单"),
        "secs": ("20秒", "30秒", "半分钟", "一分钟", "40多秒", "快一分钟", "十几秒", "两分钟", "五六十秒"),
        "time": ("早上九点多", "晚上八点以后", "中午", "晚高峰", "上午门诊的时候", "周一早上", "晚上十点左右", "下班时间"),
        "phone": ("华为手机", "安卓手机", "苹果手机", "平板", "小米手机", "老款安卓机", "荣耀手机", "OPPO手机"),
        "feature": ("拍照上传", "从相册上传", "上传PDF版", "用相机拍", "扫描上传"),
        "dialect": ("四川话", "粤语", "东北话", "闽南话", "上海话", "湖南话", "河南话", "客家话", "潮汕话"),
        "topic": ("药物相互作用", "检查结果的含义", "孕期能不能吃药", "疫苗接种间隔", "术后饮食", "中药和西药能不能一起吃", "孩子发烧怎么处理", "漏服药怎么办"),
        "ref": ("文献", "参考文献", "论文", "引用的指南", "PubMed链接", "DOI"),
        "symptom": ("头痛", "咳嗽", "血糖高", "血压偏高", "胃疼", "失眠", "皮疹", "发烧", "腹泻"),
    },
    "en": {
        "drug": ("metformin", "amoxicillin", "ibuprofen", "warfarin", "atorvastatin", "amlodipine", "insulin glargine", "levothyroxine", "omeprazole", "paracetamol", "clopidogrel", "azithromycin", "cefixime", "metoprolol"),
        "dept": ("cardiology", "endocrinology", "pediatrics", "respiratory", "GI", "nephrology", "ER", "dermatology", "neurology", "OB/GYN"),
        "group": ("children", "elderly patients", "pregnant women", "patients with kidney impairment", "patients with liver disease", "underweight kids", "breastfeeding mothers"),
        "guideline": ("hypertension guideline", "diabetes standards of care", "COPD guideline", "lipid guideline", "anticoagulation consensus", "pediatric dosing guide", "asthma guideline"),
        "year": ("2019", "2020", "2021", "old", "years-old"),
        "lab": ("blood test", "liver panel", "kidney function report", "thyroid panel", "checkup report", "ECG", "CT report", "urinalysis", "lipid panel", "ultrasound report"),
        "secs": ("20 seconds", "30 seconds", "half a minute", "a full minute", "40+ seconds", "almost a minute", "15 seconds", "two minutes", "50-60 seconds"),
        "time": ("around 9am", "after 8pm", "at lunch time", "in the evening", "during morning clinic", "on Monday mornings", "around 10pm", "after work"),
        "device": ("Android phone", "iPhone", "iPad", "older Android phone", "Pixel", "Samsung tablet", "Huawei phone"),
        "feature": ("photo upload", "gallery upload", "PDF upload", "scanning", "camera capture"),
        "accent": ("Scottish accent", "Indian English accent", "Cantonese accent", "Southern accent", "Singaporean accent", "Spanish accent", "strong regional accent", "Nigerian English accent"),
        "topic": ("drug interactions", "what my lab results mean", "meds during pregnancy", "vaccine intervals", "post-surgery diet", "mixing herbal and regular meds", "a kid's fever", "missed doses"),
        "ref": ("references", "citations", "papers", "guideline citations", "PubMed links", "DOIs"),
        "symptom": ("headache", "cough", "high blood sugar", "high blood pressure", "stomach pain", "insomnia", "rash", "fever", "diarrhea"),
    },
}  # fmt: skip

# key -> language -> (openers, cores, closers)
PHRASES: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]] = {
    "dosage_guideline": {
        "zh": (
            ("", "", "说实话，", "提个严重的问题：", "今天又遇到了，", "必须反馈一下，", "不得不说，", "我在{dept}工作，", "刚才查了一下，", "很失望，", "作为{role}，"),
            (
                "{drug}的剂量给错了，比说明书上高了一倍",
                "问{group}用{drug}的剂量，回答和说明书对不上",
                "推荐的{drug}用量明显偏大，差点按它说的吃了",
                "给出的还是{year}版{guideline}的建议，早就更新了",
                "{guideline}的内容过时了，引用的是{year}的标准",
                "{drug}的儿童剂量是按成人算的，太危险",
                "问{drug}一天吃几次，它说三次，说明书写的是一次",
                "关于{drug}的禁忌说得不对，{group}明明不能用",
                "同一个问题问两次，{drug}的剂量给了两个不同的数",
                "{dept}的用药建议和现在的指南不一致",
                "肾功能不全时{drug}要减量，它完全没提",
                "用药剂量换算错了，毫克和克都搞混了",
                "{drug}的最大日剂量说错了",
            ),
            ("", "", "。", "，这种错误会出人命的。", "，希望尽快修正。", "，请核实一下。", "，不敢再信了。", "！！", "，医生看了都说不对。", "，建议接入最新的指南。", "。太不靠谱了"),
        ),
        "en": (
            ("", "", "Honestly, ", "Serious issue: ", "Heads up: ", "Not ok. ", "Reporting this again: ", "Just checked and ", "FYI ", "Warning: ", "As a {role}, "),
            (
                "the {drug} dose it gave was double what the label says",
                "asked about {drug} dosing for {group} and the answer doesn't match the package insert",
                "it recommended way too much {drug}, I almost followed it",
                "answers still follow the {year} {guideline}, which has been updated since",
                "the {guideline} info is outdated, it cites {year} recommendations",
                "pediatric {drug} dose was calculated like an adult dose. dangerous",
                "it said take {drug} three times a day, the label says once daily",
                "wrong contraindications for {drug}, it should not be used in {group}",
                "asked the same question twice and got two different {drug} doses",
                "the {dept} drug advice contradicts the current guidelines",
                "no mention that {drug} needs a dose reduction in kidney impairment",
                "it mixed up mg and g in the dose conversion",
                "the maximum daily dose of {drug} it quoted is wrong",
            ),
            ("", "", ".", " - this could actually hurt someone.", ". Please fix asap.", ". Please double check your sources.", ". I don't trust it anymore.", "!!", ". Our pharmacist caught it.", ". Please update to the latest guidelines.", ", really not acceptable."),
        ),
    },
    "hallucinated_refs": {
        "zh": (
            ("", "", "写材料的时候发现，", "提醒大家：", "吐槽一下，", "认真核对了一下，", "我们科室用下来发现，", "又一次，", "请注意，"),
            (
                "给的{ref}根本查不到，像是编出来的",
                "引用的{ref}作者和期刊都对不上",
                "列了五篇{ref}，一篇都搜不到",
                "{ref}链接点进去是404",
                "它说某篇论文支持这个结论，我找到原文根本没这么写",
                "让它给出处，它就瞎编了几条{ref}",
                "{ref}的年份和卷号都是错的",
                "问{drug}的研究证据，给的{ref}是假的",
                "编造{guideline}的条款，原文里没有这一条",
                "引用的{ref}题目看着很真，其实不存在",
            ),
            ("", "", "。", "，差点被坑。", "，这个太误导人了。", "，希望能标注来源可信度。", "！", "，建议只引用能查到的文献。", "。浪费了我一个小时"),
        ),
        "en": (
            ("", "", "While writing a report I noticed ", "PSA: ", "Rant: ", "Double checked and ", "In our department we found ", "Again, ", "Careful: "),
            (
                "the {ref} it gave don't exist, looks made up",
                "authors and journals in the cited {ref} don't match anything real",
                "it listed five {ref} and I couldn't find a single one",
                "the {ref} lead to 404 pages",
                "it claimed a paper supports this, the original says nothing like that",
                "asked for a source and it invented {ref} on the spot",
                "year and volume numbers in the {ref} are wrong",
                "asked for evidence on {drug}, the {ref} were fake",
                "it quoted a section of the {guideline} that doesn't exist",
                "fabricated {ref} with very convincing titles",
            ),
            ("", "", ".", ", nearly ended up in my report.", ". Very misleading.", ". Please flag how reliable a source is.", "!", ". Only cite things that exist please.", ". Wasted an hour on this"),
        ),
    },
    "lost_context": {
        "zh": (
            ("", "", "有点无语，", "体验不太好：", "用了一段时间，", "问诊模式下，", "最大的问题：", "每次都是这样，", "小问题，"),
            (
                "追问一句它就忘了前面说的{symptom}",
                "问第二个问题的时候，它完全不记得我说过是{group}",
                "多轮对话经常跑题，上一句还在说{symptom}，下一句就答非所问",
                "我问“那孩子呢”，它又从头开始解释一遍",
                "前面已经告诉它我在吃{drug}，后面推荐的药又冲突了",
                "每次追问都要把情况重新说一遍",
                "问“这个严重吗”，它不知道“这个”指的是什么",
                "聊到第三轮就开始答非所问了",
                "补充了{lab}的结果，它还是按之前的信息回答",
                "换了个说法追问，它当成一个新问题",
                "上下文记不住，刚说的过敏史转眼就忘",
            ),
            ("", "", "。", "，很影响体验。", "，希望能记住上下文。", "，聊天像跟金鱼聊。", "，烦死了", "。。。", "，这点比不上别的助手。"),
        ),
        "en": (
            ("", "", "Kind of annoying: ", "Not a great experience - ", "After using it for a while, ", "In consultation mode ", "Biggest issue: ", "Every single time, ", "Small thing but "),
            (
                "it forgets what I said about my {symptom} as soon as I ask a follow-up",
                "on the second question it had no memory that I mentioned {group}",
                "multi-turn chats drift off, one moment it's about {symptom} and then it answers something else",
                "I asked 'what about for kids?' and it started over from scratch",
                "I told it I'm on {drug}, then it suggested something that interacts with it",
                "I have to repeat my whole situation for every follow-up",
                "asked 'is this serious?' and it had no idea what 'this' referred to",
                "by the third turn the answers stop making sense",
                "added my {lab} results and it still answered based on the old info",
                "rephrased my follow-up and it treated it as a brand-new question",
                "it doesn't keep context, the allergy I just mentioned is gone a minute later",
            ),
            ("", "", ".", ", really hurts the experience.", ". Please keep the context.", ". It's like talking to a goldfish.", ", so frustrating", "...", ". Other assistants handle this fine."),
        ),
    },
    "verbose": {
        "zh": (
            ("", "", "小建议：", "整体还行，就是", "用着还可以，但", "说个小问题，", "家里老人反映", "作为{role}，", "坦白讲，"),
            (
                "回答太长了，一个简单的问题回了好几段",
                "问{drug}饭前还是饭后吃，回了一大篇",
                "每次都先来一段免责声明，重点在最后",
                "废话太多，能不能直接给结论",
                "手机上看要翻好几屏才找到答案",
                "一个是或否的问题，写了五六百字",
                "车轱辘话来回说，同样的提醒重复三遍",
                "希望有个简洁模式，忙的时候没时间看这么长",
                "回答里一半都是“请咨询医生”",
                "问{lab}上一个指标什么意思，结果把整个报告都科普了一遍",
                "太啰嗦了，老人看不下去",
                "回答的格式太复杂，一堆小标题和列表",
            ),
            ("", "", "。", "，能精简点就好了。", "，看得眼睛累。", "～", "，希望加个“简短回答”按钮。", "。。", "，其实一句话就能说清楚。"),
        ),
        "en": (
            ("", "", "Small suggestion: ", "Overall fine, but ", "Works ok but ", "Minor thing: ", "As a {role}, ", "Honestly ", "tbh "),
            (
                "answers are way too long, a simple question gets several paragraphs",
                "asked whether to take {drug} before or after meals and got an essay",
                "every answer starts with a disclaimer and the actual answer is at the very end",
                "too much filler, just give me the conclusion",
                "on my phone I have to scroll through several screens to find the answer",
                "a yes/no question got 500 words",
                "it keeps repeating the same warning three times in one reply",
                "please add a concise mode, no time to read all this when I'm busy",
                "half of every answer is 'please consult your doctor'",
                "asked what one value on my {lab} means and it explained the whole report",
                "too wordy, my parents can't get through it",
                "the formatting is too much, headings and bullet lists for everything",
            ),
            ("", "", ".", ", could be much shorter.", ", tiring to read.", " :)", ". Please add a 'short answer' button.", "..", ", one sentence would do."),
        ),
    },
    "slow_peak": {
        "zh": (
            ("", "", "急死了，", "又来了，", "最近一个月", "吐槽：", "真的受不了，", "用{phone}，", "说实话，"),
            (
                "{time}用特别慢，一个问题要等{secs}",
                "高峰期经常转圈圈，等了{secs}还没出结果",
                "{time}老是提示请求超时，只能重新问",
                "回答要等{secs}，病人在旁边等着很尴尬",
                "最近越来越慢了，{time}基本用不了",
                "回答打到一半就卡住，要等{secs}才继续",
                "网络没问题，就是这个app响应慢，要{secs}",
                "{time}连续三次超时",
                "以前几秒就出答案，现在要{secs}",
                "升级到{version}以后感觉更慢了，{time}尤其明显",
                "一直显示“正在思考”，{secs}都没反应",
            ),
            ("", "", "。", "，服务器是不是该扩容了？", "，严重影响效率。", "！！！", "，还不如自己查。", "，希望优化一下速度。", "。。。"),
        ),
        "en": (
            ("", "", "Ugh, ", "Again, ", "Lately ", "Seriously, ", "Complaint: ", "On my {device}, ", "Not great: "),
            (
                "super slow {time}, one question takes {secs}",
                "at peak hours it just spins, waited {secs} and still nothing",
                "keeps timing out {time}, have to ask again",
                "takes {secs} to answer, awkward with a patient waiting",
                "it's been getting slower, basically unusable {time}",
                "the answer stops halfway and hangs for {secs}",
                "my connection is fine, the app just takes {secs} to respond",
                "three timeouts in a row {time}",
                "used to answer in a few seconds, now it takes {secs}",
                "feels even slower since {version}, especially {time}",
                "stuck on 'thinking...' for {secs}",
            ),
            ("", "", ".", ". Maybe add more servers?", ", kills my productivity.", "!!!", ". Faster to look it up myself.", ". Please improve the speed.", "..."),
        ),
    },
    "upload_crash": {
        "zh": (
            ("", "", "严重bug：", "急！", "反馈个bug，", "试了好多次，", "今天", "一直这样，", "麻烦看一下："),
            (
                "上传{lab}照片的时候app直接闪退",
                "{feature}{lab}一点确定就崩溃",
                "拍了{lab}，上传到一半app就退出了",
                "用{phone}上传图片必闪退，试了五六次",
                "升级到{version}后上传化验单就崩",
                "上传PDF格式的{lab}直接卡死然后闪退",
                "图片大一点就崩溃，压缩了也不行",
                "上传{lab}后白屏，只能强制关掉",
                "多选几张图片一起上传，app就闪退",
                "拍照识别{lab}的功能完全用不了，一用就崩",
            ),
            ("", "", "。", "，这个功能是我用它的主要原因。", "，刚打的字全丢了。", "！！", "，重装也没用。", "，请尽快修复。", "，太影响使用了"),
        ),
        "en": (
            ("", "", "Critical bug: ", "Urgent! ", "Bug report: ", "Tried many times, ", "Today ", "Still happening: ", "Please look into this: "),
            (
                "the app crashes when I upload a photo of my {lab}",
                "{feature} of a {lab} crashes the moment I hit confirm",
                "took a picture of my {lab}, app quit halfway through uploading",
                "uploading images on my {device} crashes every time, tried 5-6 times",
                "since {version} uploading lab reports crashes the app",
                "uploading a PDF {lab} freezes and then crashes",
                "any image slightly larger crashes it, even compressed",
                "white screen after uploading my {lab}, have to force quit",
                "selecting multiple images to upload makes the app crash",
                "the lab report scan feature is unusable, crashes instantly",
            ),
            ("", "", ".", ". That's the main reason I use this app.", ", lost everything I typed.", "!!", ". Reinstalling didn't help.", ". Please fix asap.", ", very frustrating"),
        ),
    },
    "refusals": {
        "zh": (
            ("", "", "有点离谱，", "不理解，", "说真的，", "最近", "太保守了，", "无语，", "提个意见："),
            (
                "问{topic}，它说无法提供医疗建议",
                "很正常的问题，比如{topic}，也被拒绝回答",
                "只要提到药名就说“请咨询医生”，每次都这样",
                "问{drug}的说明书内容都不肯说",
                "{topic}这种常识性问题也回避",
                "安全限制太敏感了，问{symptom}怎么缓解都不答",
                "升级之后拒答变多了，以前能回答的现在不回答",
                "我是{role}，查{drug}的相互作用，它却让我去问专业人士",
                "问孩子{symptom}怎么办，直接一句“请就医”就结束了",
                "一问{lab}的结果就说不能解读",
            ),
            ("", "", "。", "，那要它有什么用？", "，过度谨慎了。", "？？", "，希望至少给个参考。", "，专业用户能不能放开一点。", "。。"),
        ),
        "en": (
            ("", "", "Kind of ridiculous: ", "Don't get it, ", "Seriously, ", "Lately ", "Way too cautious: ", "Sigh. ", "Feedback: "),
            (
                "asked about {topic} and it says it can't provide medical advice",
                "completely normal questions like {topic} get refused",
                "any drug name and it just says 'consult your doctor', every single time",
                "it won't even tell me what the {drug} package insert says",
                "it dodges basic questions like {topic}",
                "safety filter is way too sensitive, won't even say how to relieve {symptom}",
                "it refuses more since the update, stuff it used to answer",
                "I'm a {role} checking {drug} interactions and it tells me to ask a professional",
                "asked what to do about my kid's {symptom} and it just said 'see a doctor'",
                "it refuses to interpret my {lab} results at all",
            ),
            ("", "", ".", ". Then what's the point?", ", too conservative.", "??", ". At least give some guidance.", ". Please relax this for professional users.", ".."),
        ),
    },
    "login_code": {
        "zh": (
            ("", "", "今天", "急，", "登录问题：", "一早上了，", "客服你好，", "又是这样，", "求助："),
            (
                "收不到验证码，等了五分钟都没来",
                "登录一直提示验证码错误，明明是刚收到的",
                "验证码发了三次才收到，还已经过期了",
                "换了{phone}以后登录不上",
                "每次打开都要重新登录，很麻烦",
                "一键登录失败，只能用验证码，验证码又收不到",
                "提示“操作频繁请稍后再试”，可我就点了一次",
                "账号登录后又被踢出来",
                "更新到{version}之后一直卡在登录页",
                "微信登录授权后一直转圈，进不去",
            ),
            ("", "", "。", "，耽误事了。", "，请尽快处理。", "！", "，病人等着呢。", "。。。", "，已经是第二次了。"),
        ),
        "en": (
            ("", "", "Today ", "Urgent, ", "Login issue: ", "All morning ", "Hi support, ", "Again ", "Help: "),
            (
                "the verification code never arrives, waited five minutes",
                "login keeps saying the code is wrong, I just received it",
                "got the code only after three tries and it had already expired",
                "can't log in since I switched to a new {device}",
                "I have to log in again every time I open the app",
                "one-tap login fails, and the SMS code doesn't come either",
                "it says 'too many attempts, try later' after one tap",
                "logged in and got kicked out again right away",
                "stuck on the login screen since updating to {version}",
                "social login just spins after authorizing",
            ),
            ("", "", ".", ", wasted my time.", ". Please sort this out.", "!", ", I have patients waiting.", "...", ". Second time this week."),
        ),
    },
    "voice_dialect": {
        "zh": (
            ("", "", "建议：", "家里老人用的时候，", "说个问题，", "用语音的时候，", "反馈一下，", "我们这边说{dialect}，"),
            (
                "语音输入听不懂{dialect}，识别得乱七八糟",
                "我妈说{dialect}，语音识别基本全错",
                "用{dialect}说药名根本识别不出来",
                "语音把“{drug}”识别成了别的字",
                "带点方言口音就识别不了，只能打字",
                "老人不会打字，语音又听不懂{dialect}",
                "语音输入对方言太不友好了",
                "说快一点就识别错，{dialect}更不行",
                "希望语音能支持{dialect}",
                "语音转文字错字太多，医学名词全错",
            ),
            ("", "", "。", "，老年人很需要这个。", "，希望改进。", "～", "，打字太慢了。", "。。", "，很不方便"),
        ),
        "en": (
            ("", "", "Suggestion: ", "When my parents use it, ", "One issue: ", "With voice input, ", "Feedback: ", "Living abroad, ", "Accessibility: "),
            (
                "voice input can't handle my {accent} at all",
                "my mom has a {accent} and voice recognition gets everything wrong",
                "drug names spoken with a {accent} are never recognized",
                "voice typed '{drug}' as some random word",
                "any accent and voice input fails, I have to type",
                "older patients can't type and voice doesn't understand their {accent}",
                "voice input is not friendly to non-native speakers",
                "if I speak a bit fast it gets it wrong, worse with a {accent}",
                "please support a {accent} in voice input",
                "speech to text mangles every medical term",
            ),
            ("", "", ".", ". Older users really need this.", ". Please improve.", " :(", ". Typing is too slow for me.", "..", ", very inconvenient"),
        ),
    },
    "privacy": {
        "zh": (
            ("", "", "想问一下，", "有个顾虑，", "认真问：", "作为{role}，", "说实话有点担心，", "请官方回答："),
            (
                "上传的{lab}会不会被拿去训练模型？",
                "隐私政策里说会和第三方共享数据，这个很担心",
                "病历信息存在哪里？有没有加密？",
                "能不能一键删除我的聊天记录和上传的报告",
                "看到新闻说有健康app泄露数据，你们安全吗",
                "不想让保险公司看到我的问诊记录",
                "医院让我们用，但病人数据放在云上合规吗",
                "希望说清楚数据保存多久",
                "为什么要获取通讯录权限？",
                "{lab}上有个人信息，上传前能不能自动打码",
            ),
            ("", "", "。", "，没说清楚之前不敢用了。", "，希望给个明确答复。", "？", "，这点很重要。", "。。。", "，身边好多人都在问"),
        ),
        "en": (
            ("", "", "Quick question: ", "One concern: ", "Seriously asking: ", "As a {role}, ", "Honestly a bit worried: ", "Official answer please: "),
            (
                "are my uploaded {lab}s used to train the model?",
                "the privacy policy says data is shared with third parties, that worries me",
                "where are my medical records stored? are they encrypted?",
                "I want a way to delete my chat history and uploaded reports",
                "saw news about a health app leaking data, is this one safe?",
                "I don't want insurers to see my consultation history",
                "our hospital asks us to use it, but is patient data in the cloud compliant?",
                "please say clearly how long my data is kept",
                "why does it need access to my contacts?",
                "my {lab} has personal info on it, could uploads be auto-masked?",
            ),
            ("", "", ".", ". Not using it until this is clear.", ". Please give a clear answer.", "?", ". This matters a lot.", "...", ". Lots of people I know are asking"),
        ),
    },
    "praise": {
        "zh": (
            ("", "", "点赞！", "不错，", "好评，", "用下来感觉", "谢谢，", "真心说，", "给个五星，"),
            (
                "挺好用的，查药物相互作用很方便",
                "帮我看懂了{lab}，很有用",
                "看病前用它整理问题，节省了不少时间",
                "比在网上乱搜靠谱多了",
                "界面简洁，老人也会用",
                "{dept}的常见问题回答得很专业",
                "夜里孩子{symptom}，它给的建议很及时",
                "总体满意，会推荐给同事和朋友",
                "解释得很清楚，比说明书好懂",
                "用了三个月了，基本每天都用",
                "回答很耐心，态度好",
                "查{drug}的注意事项很方便",
            ),
            ("", "", "。", "，继续加油！", "👍", "，希望越来越好。", "～", "！", "，谢谢团队。"),
        ),
        "en": (
            ("", "", "Love it! ", "Nice, ", "Great app, ", "So far ", "Thanks, ", "Honestly, ", "Five stars, "),
            (
                "really useful for checking drug interactions",
                "it helped me understand my {lab}",
                "I use it to prepare questions before appointments, saves time",
                "much more reliable than random googling",
                "clean interface, even my parents can use it",
                "it answers common {dept} questions very professionally",
                "asked about my kid's {symptom} at night and the advice was helpful",
                "happy overall, will recommend to colleagues",
                "explains things more clearly than the package insert",
                "been using it for three months, almost daily",
                "patient and friendly answers",
                "handy for looking up {drug} precautions",
            ),
            ("", "", ".", ", keep it up!", " 👍", ". Hope it keeps getting better.", " :)", "!", ". Thanks team."),
        ),
    },
    "neutral": {
        "zh": (
            ("", "", "建议：", "小需求：", "提个建议，", "如果可以的话，", "期待一下，", "另外，"),
            (
                "希望增加用药提醒功能",
                "能不能支持导出聊天记录",
                "建议加一个家庭成员档案",
                "希望能和医院的预约挂号打通",
                "能不能出个平板版本",
                "字体能不能调大一点",
                "希望支持中英文切换",
                "建议增加夜间模式",
                "想要一个常用药清单功能",
                "能不能把{lab}的历史结果做成趋势图",
                "希望能收藏有用的回答",
                "{dept}的内容希望再多一些",
            ),
            ("", "", "。", "，谢谢。", "～", "，其他都挺好。", "？", "，会更方便。"),
        ),
        "en": (
            ("", "", "Suggestion: ", "Feature request: ", "Idea: ", "If possible, ", "Looking forward: ", "Also, "),
            (
                "would love medication reminders",
                "please add an option to export chat history",
                "suggest adding family member profiles",
                "would be great to link it with hospital appointment booking",
                "any plans for a tablet version?",
                "can the font size be bigger",
                "please add a switch between English and Chinese",
                "dark mode please",
                "I'd like a list of my regular medications",
                "could you chart my {lab} results over time",
                "let me bookmark useful answers",
                "more {dept} content would be nice",
            ),
            ("", "", ".", ", thanks.", " :)", ", otherwise great.", "?", ", would be handy."),
        ),
    },
    "improved": {
        "zh": (
            ("", "", "注意到", "好消息，", "必须表扬，", "最近", "这次更新不错，", "说句公道话，", "升级后"),
            (
                "{drug}的剂量建议准确多了",
                "上传{lab}不闪退了",
                "回答引用的指南终于是新的了",
                "比上个月靠谱，{dept}的问题答得对了",
                "{version}修好了上传的问题，谢谢",
                "用药建议和说明书对上了，进步明显",
                "参考文献现在能查到了",
                "准确率提升了，就是速度还是有点慢",
            ),
            ("", "", "。", "，继续保持！", "👍", "，希望速度也能改进。", "～", "！", "，值得肯定。"),
        ),
        "en": (
            ("", "", "Noticed that ", "Good news, ", "Credit where due: ", "Lately ", "Nice update, ", "To be fair, ", "After updating, "),
            (
                "{drug} dosing advice is much more accurate now",
                "uploading my {lab} doesn't crash anymore",
                "it finally cites the current guidelines",
                "more reliable than last month, {dept} answers are right now",
                "{version} fixed the upload crash, thanks",
                "drug advice finally matches the package inserts, big improvement",
                "the references actually exist now",
                "accuracy is better, speed still a bit slow though",
            ),
            ("", "", ".", ", keep it up!", " 👍", ". Now please work on speed.", " :)", "!", ". Appreciated."),
        ),
    },
}  # fmt: skip

# Channel flavour: an agent's summary line for support tickets, a tag for community posts.
CS_PREFIX = {
    "zh": ("用户来电反映：", "工单摘要：", "客户反馈：", "在线客服记录：", "用户投诉："),
    "en": ("Customer reports: ", "Ticket summary: ", "Caller: ", "Chat summary: ", "Complaint: "),
}
COMMUNITY_PREFIX = {
    "zh": ("【吐槽】", "【求助】", "【反馈】", "有人遇到过吗？", "【讨论】"),
    "en": ("[Bug] ", "[Rant] ", "Anyone else? ", "PSA: ", "[Feedback] "),
}
CS_PREFIX_POSITIVE = {
    "zh": ("客户反馈：", "在线客服记录：", "用户来电："),
    "en": ("Customer feedback: ", "Chat summary: "),
}
COMMUNITY_PREFIX_POSITIVE = {
    "zh": ("【分享】", "【建议】", "【体验】"),
    "en": ("[Review] ", "[Idea] ", "[Tip] "),
}

EN_CASUAL = (
    ("you", "u"),
    ("please", "pls"),
    ("because", "bc"),
    ("really", "rly"),
    ("doesn't", "doesnt"),
    ("can't", "cant"),
    ("don't", "dont"),
    ("I'm", "im"),
    ("thanks", "thx"),
)
ZH_CASUAL = (
    ("什么", "啥"),
    ("怎么", "咋"),
    ("非常", "超"),
    ("特别", "贼"),
    ("的时候", "时"),
    ("没有", "没"),
)
SLOT = re.compile(r"\{(\w+)\}")
QUESTION_THEN_STOP = re.compile(r"([?？!！])[,，.。](?![.。])")
