"""Every sentence the bot says to a citizen or a clerk, in the chat and in the back-office's notes and labels (WEB),
in one polite voice, in one place for review.

Not here, and reviewed where they are: the words the bot listens for (the handlers' `phrases=` and patterns, and
bot/data/vocabulary.toml, knowledge.toml, services.toml, feedback.toml); the office's answers and settings (the
data files); the year-end reports' column headers and sections, in the ITA's own wording (bot/ita/report.py,
bot/feedback/report.py, bot/loans/report.py; the loan report's titles are here); the text of the web pages'
templates (bot/web/templates/); and the terminal chat's labels (bot/chat.py, bot/line_api.py's console).

The voice: the office speaking, short sentences, the polite particle ค่ะ/คะ, no jargon.
Templates use str.format fields; keep the field names when rewording.
"""

GREETING = "สวัสดีค่ะ ยินดีต้อนรับสู่บริการออนไลน์ของ{office} ต้องการสอบถามเรื่องใด เลือกจากเมนูด้านล่างได้เลยค่ะ"
WELCOME_FOLLOW = (
    "ขอบคุณที่เพิ่ม{office}เป็นเพื่อนค่ะ\n"
    "ท่านสามารถสอบถามมาตรการความโปร่งใส ช่องทางติดต่อ และบริการของหน่วยงานได้ที่นี่ "
    "เลือกจากเมนูด้านล่างได้เลยค่ะ"
)
WELCOME_GROUP = "สวัสดีค่ะ บัญชีนี้เป็นบริการออนไลน์ของ{office} พิมพ์ \"เมนู\" เพื่อดูสิ่งที่ทำได้ค่ะ"
MENU = "เลือกเรื่องที่ต้องการจากเมนูด้านล่างได้เลยค่ะ"
THANKS = "ยินดีค่ะ หากมีเรื่องอื่นให้ช่วย เลือกจากเมนูได้เลยค่ะ"
FALLBACK = "ขออภัยค่ะ เรื่องนี้ระบบยังตอบไม่ได้ เลือกเรื่องจากเมนูด้านล่าง หรือคุยกับเจ้าหน้าที่ได้ค่ะ"
# How to reach a person, under every answer the bot could not give: the settings as they are now.
FALLBACK_PERSON = "ติดต่อเจ้าหน้าที่: โทร {phone} ({hours})"
# An outside body, named when the question plainly belongs to it (data/vocabulary.toml [outside_bodies]).
FALLBACK_OUTSIDE = {
    "damrongdham": "เรื่องร้องเรียนหน่วยงานรัฐหรือเจ้าหน้าที่ทั่วไป แจ้งศูนย์ดำรงธรรมได้ที่สายด่วน 1567 ค่ะ",
    "consumer": "เรื่องถูกเอาเปรียบจากการซื้อสินค้าหรือบริการ แจ้ง สคบ. ได้ที่สายด่วน 1166 ค่ะ",
    "nhso": "เรื่องบัตรทอง (สิทธิหลักประกันสุขภาพ) สอบถาม สปสช. ได้ที่สายด่วน 1330 ค่ะ",
    "land_transport": "เรื่องทะเบียนรถ ภาษีรถ และใบขับขี่ ติดต่อสำนักงานขนส่งจังหวัด หรือกรมการขนส่งทางบก สายด่วน 1584 ค่ะ",
    "district_registry": "เรื่องบัตรประชาชนและทะเบียนราษฎร (สูติบัตร เปลี่ยนชื่อ จดทะเบียนสมรส) ติดต่อสำนักทะเบียนอำเภอ ที่ว่าการอำเภอค่ะ",
}

MEASURES_HEADER = "มาตรการส่งเสริมคุณธรรมและความโปร่งใสของ{office} ปีงบประมาณ {fiscal_year} มี {count} มาตรการค่ะ"
MEASURES_FOOTER = "แตะหมายเลขด้านล่างเพื่อดูรายละเอียดของแต่ละมาตรการได้ค่ะ"
MEASURES_MISSING = "ขออภัยค่ะ ระบบยังไม่มีข้อมูลมาตรการ เจ้าหน้าที่กำลังนำเข้าข้อมูล โปรดลองใหม่ภายหลังค่ะ"
MEASURE_NOT_FOUND = "ขออภัยค่ะ ไม่พบมาตรการที่ {number} มีมาตรการที่ 1 ถึง {count} ค่ะ"

CONTACT_HEADER = "ช่องทางติดต่อ{office}ค่ะ"
CONTACT_LINE = "{label}: {value}"
CONTACT_EXAMPLE_MARK = " (ข้อมูลตัวอย่าง รอหน่วยงานยืนยัน)"
CONTACT_MISSING = "ขออภัยค่ะ หน่วยงานยังไม่ได้ตั้งค่าช่องทางติดต่อ"

TEXT_TOO_LONG = "ข้อความยาวเกินไปค่ะ ระบบรับได้ไม่เกิน {limit:,} ตัวอักษร กรุณาส่งเฉพาะใจความสำคัญอีกครั้งนะคะ"
NO_WORDS = "ขอบคุณค่ะ 😊 หากต้องการสอบถามเรื่องใด พิมพ์เป็นข้อความ หรือเลือกจากเมนูด้านล่างได้เลยค่ะ"
STICKER = "ขอบคุณสำหรับสติกเกอร์ค่ะ 😊 ต้องการสอบถามเรื่องใด เลือกจากเมนูด้านล่างได้เลยค่ะ"
MEDIA_NOT_EXPECTED = (
    "ได้รับ{kind}แล้วค่ะ แต่ขณะนี้ยังไม่ได้อยู่ในขั้นตอนที่ต้องใช้{kind} "
    "หากต้องการแจ้งเรื่อง กรุณาเลือกจากเมนูก่อนนะคะ"
)
MEDIA_KINDS = {
    "image": "รูปภาพ",
    "video": "วิดีโอ",
    "audio": "ข้อความเสียง",
    "file": "ไฟล์",
    "location": "ตำแหน่งที่ตั้ง",
}
MEDIA_KIND_OTHER = "ข้อความ"
BUTTON_EXPIRED = "ขออภัยค่ะ ปุ่มนี้หมดอายุหรือใช้งานไม่ได้แล้ว กรุณาเลือกจากเมนูใหม่อีกครั้งนะคะ"
APOLOGY = "ขออภัยค่ะ ระบบขัดข้องชั่วคราว เรื่องของท่านยังไม่ได้บันทึก กรุณาส่งใหม่อีกครั้งในอีกสักครู่นะคะ"

FLOW_CANCELLED = "ยกเลิกเรียบร้อยแล้วค่ะ ข้อมูลที่กรอกไว้ไม่ได้ถูกบันทึก"
FLOW_EXPIRED = "รายการที่ทำค้างไว้หมดเวลาแล้วค่ะ กรุณาเริ่มใหม่จากเมนูนะคะ"
FLOW_STEP_GONE = "ขออภัยค่ะ รายการที่ทำค้างไว้ใช้ต่อไม่ได้แล้ว (ระบบมีการปรับปรุง) กรุณาเริ่มใหม่จากเมนูนะคะ"
NOTHING_TO_CANCEL = "ขณะนี้ไม่มีรายการที่ทำค้างอยู่ค่ะ"

# Quick-reply labels: at most 20 characters each (LINE's limit).
QR_MENU = "เมนู"
QR_MEASURES = "มาตรการ 7 ข้อ"
QR_CONTACT = "ช่องทางติดต่อ"
QR_CANCEL = "ยกเลิก"
QR_MEASURE_N = "มาตรการที่ {number}"

# Words that mean the same command wherever they are typed (compared with bot.thai.text.match_key).
CANCEL_WORDS = ("ยกเลิก", "cancel", "เลิก", "ไม่เอาแล้ว")
MENU_WORDS = ("เมนู", "menu", "help", "ช่วยเหลือ", "เมนูหลัก", "กลับเมนู")
# Yes to a summary (a report, a loan request) before it is sent.
QR_CONFIRM = "ยืนยัน"
CONFIRM_WORDS = (QR_CONFIRM, "ตกลง", "ok", "โอเค", "ใช่", "ถูกต้อง", "confirm")

# Console rendering of what would be sent (terminal chat and console mode).
CONSOLE_QUICK_REPLY_HINT = "พิมพ์หมายเลขเพื่อเลือก"
CONSOLE_PUSH_TO = "ส่งถึง {to}"
CONSOLE_MENU_LINKED = "[เมนู] ผูกเมนู {menu} ให้ {to}"
CONSOLE_MENU_UNLINKED = "[เมนู] {to} กลับไปใช้เมนูหลัก"
CONSOLE_NO_PHOTO = "(แชทในเทอร์มินัลส่งรูปไม่ได้ ลองใน LINE หรือเลือกข้อถัดไปค่ะ)"
# What the terminal chat sends for a "send location" tap: an obviously made-up place, not the office's.
CONSOLE_LOCATION = {"title": "ตำแหน่งตัวอย่าง", "address": "ตำแหน่งตัวอย่างจากแชทในเทอร์มินัล",
                    "latitude": 13.7563, "longitude": 100.5018}

# --- Staff registration (handlers/staff.py) ------------------------------------------------------
REGISTER_HOW = "หากท่านเป็นเจ้าหน้าที่ กรุณาพิมพ์ \"ลงทะเบียน\" ตามด้วยรหัสที่ได้รับจากผู้ดูแลระบบ เช่น ลงทะเบียน ABCD-2345 ค่ะ"
REGISTER_OK = "ลงทะเบียนเรียบร้อยแล้วค่ะ คุณ{name} เป็น{role}ของ{unit} จะได้รับการแจ้งเตือนงานของหน่วยงานทาง LINE นี้"
REGISTER_WRONG = "ขออภัยค่ะ รหัสไม่ถูกต้อง กรุณาตรวจสอบรหัสอีกครั้ง หรือขอรหัสใหม่จากผู้ดูแลระบบ"
REGISTER_EXPIRED = "ขออภัยค่ะ รหัสนี้หมดอายุแล้ว กรุณาขอรหัสใหม่จากผู้ดูแลระบบ"
REGISTER_USED = "ขออภัยค่ะ รหัสนี้ถูกใช้ไปแล้ว รหัสใช้ได้ครั้งเดียว กรุณาขอรหัสใหม่จากผู้ดูแลระบบ"
REGISTER_THROTTLED = "ขออภัยค่ะ กรอกรหัสผิดหลายครั้ง กรุณารอ 15 นาทีแล้วลองใหม่ หรือติดต่อผู้ดูแลระบบ"
ROLE_NAMES = {"staff": "เจ้าหน้าที่", "head": "หัวหน้าหน่วยงาน", "admin": "ผู้ดูแลระบบ"}
REGISTER_WORDS = ("ลงทะเบียน", "ลงทะเบียนเจ้าหน้าที่", "register")

# --- Reminders (handlers/reminders.py, bot/reminders/) ---------------------------------------
REMINDER_ALT = "แจ้งเตือนงานมาตรการที่ {measure}: {task}"
REMINDER_TITLE = "แจ้งเตือนงานตามมาตรการ ITA"
REMINDER_MEASURE = "มาตรการที่ {measure}"
REMINDER_DUE = "กำหนด {when}"
REMINDER_LATE = "ส่งล่าช้าเนื่องจากระบบขัดข้อง (กำหนดเดิม {when})"
REMINDER_SNOOZED_AGAIN = "แจ้งเตือนอีกครั้งตามที่เลื่อนไว้"
REMINDER_UNITS_ALL = "ทุกหน่วยงาน"
BTN_DONE = "ทำแล้ว"
BTN_SNOOZE = "เลื่อน 1 วัน"
REMINDER_DONE_ASK_NOTE = (
    "บันทึกว่า \"{task}\" ทำแล้วค่ะ ✅\n"
    "ต้องการแนบหมายเหตุสั้น ๆ หรือรูปหลักฐานไหมคะ พิมพ์หมายเหตุหรือส่งรูปได้เลย หรือแตะ \"ข้าม\""
)
REMINDER_NOTE_SAVED = "บันทึกหมายเหตุเรียบร้อยแล้วค่ะ ขอบคุณค่ะ"
REMINDER_PHOTO_SAVED = "บันทึกรูปหลักฐานเรียบร้อยแล้วค่ะ ขอบคุณค่ะ"
REMINDER_NOTE_SKIPPED = "รับทราบค่ะ บันทึกโดยไม่มีหมายเหตุ"
REMINDER_NOTE_PROMPT = "กรุณาพิมพ์หมายเหตุ ส่งรูปหลักฐาน หรือแตะ \"ข้าม\" ค่ะ"
REMINDER_NOTE_TRIMMED = "หมายเหตุยาวเกิน {limit} ตัวอักษร ระบบบันทึกไว้เฉพาะ {limit} ตัวอักษรแรกค่ะ"
REMINDER_PHOTO_FAILED = "ขออภัยค่ะ รับรูปนี้ไม่ได้ ({reason}) พิมพ์หมายเหตุแทน หรือแตะ \"ข้าม\" ได้ค่ะ"
REMINDER_ALREADY_DONE = "งานนี้บันทึกว่าทำแล้วเมื่อ {when} ค่ะ"
REMINDER_SNOOZED = "เลื่อนการแจ้งเตือนไปเป็น {when} แล้วค่ะ"
REMINDER_ALREADY_SNOOZED = "งานนี้เลื่อนไว้แล้ว จะแจ้งเตือนอีกครั้ง {when} ค่ะ"
REMINDER_NOT_YOURS = "ขออภัยค่ะ งานนี้เป็นของ{units} ท่านไม่มีสิทธิ์บันทึกงานนี้"
REMINDER_GONE = "ขออภัยค่ะ ไม่พบงานนี้ในระบบแล้ว"
QR_SKIP = "ข้าม"
SKIP_WORDS = ("ข้าม", "ไม่มี", "ไม่ระบุ", "skip")
DIGEST_HEADER = "สรุปงานค้างของ{unit} ประจำวันที่ {day}"
DIGEST_REMINDER_LINE = "• มาตรการที่ {measure}: {task} (กำหนด {when})"
DIGEST_FOOTER = "แตะ \"ทำแล้ว\" ในการแจ้งเตือนแต่ละรายการเมื่อดำเนินการเสร็จค่ะ"
PHOTO_TOO_LARGE = "ไฟล์ใหญ่เกิน {limit_mb} MB"
PHOTO_WRONG_TYPE = "รองรับเฉพาะรูป JPEG หรือ PNG"
PHOTO_UNAVAILABLE = "ระบบยังไม่ได้เชื่อมต่อ LINE จึงดาวน์โหลดรูปไม่ได้"

# --- Questions and answers (handlers/questions.py, handlers/measures.py) ----------------------------
# The no-match answer is FALLBACK above. Curated answers live in bot/data/knowledge.toml (the office edits them).
QA_WHICH_ONE = "หมายถึงเรื่องใดคะ เลือกจากด้านล่างได้เลยค่ะ"
# One side of a measure, when that is what was asked ("มาตรการที่ 3 ใครดูแล"); the whole card is a button away.
MEASURE_SIDE = {
    "responsible": "มาตรการที่ {number} \"{title}\"\nผู้รับผิดชอบ: {responsible} ค่ะ",
    "period": "มาตรการที่ {number} \"{title}\"\nช่วงเวลาดำเนินการ: {period} (ปีงบประมาณ {fiscal_year}) ค่ะ",
    "outcome": "ผลการดำเนินงานของมาตรการที่ {number} \"{title}\" ค่ะ\n{results}\n\nผลลัพธ์\n{outcomes}",
    "where": (
        "มาตรการที่ {number} และผลการดำเนินงาน อยู่ในรายงานการดำเนินการตามมาตรการฯ ปีงบประมาณ {fiscal_year} "
        "ซึ่งเผยแพร่ทางเว็บไซต์ของหน่วยงาน: {website}\nดูในแชทนี้ได้ด้วยปุ่ม \"{button}\" ค่ะ"
    ),
    "title": "มาตรการที่ {number} ชื่อเต็มว่า \"{title}\" ค่ะ",
}
QA_MEASURE_LEAD = "เรื่องนี้อยู่ในมาตรการที่ {number} ของ{office}ค่ะ รายละเอียดตามการ์ดด้านล่างนะคะ"
QA_FACT_MISSING = "(หน่วยงานยังไม่ได้ระบุข้อมูลนี้)"
QA_MEASURE_MISSING = "ขออภัยค่ะ ขณะนี้ไม่พบข้อมูลมาตรการนี้ในรายงานของหน่วยงาน กรุณาเลือกจากเมนูนะคะ"
MEASURE_CARD_ALT = "มาตรการที่ {number}: {title} | ผู้รับผิดชอบ: {responsible} | ขั้นตอน: {steps}"
MEASURE_CARD_NUMBER = "มาตรการที่ {number} · ปีงบประมาณ {fiscal_year}"
MEASURE_CARD_STEPS = "ขั้นตอนหรือวิธีปฏิบัติ"
MEASURE_CARD_PERIOD = "ช่วงเวลา"
MEASURE_CARD_RESPONSIBLE = "ผู้รับผิดชอบ"
MEASURE_CARD_RESULTS = "ผลการดำเนินการ"
MEASURE_CARD_OUTCOMES = "ผลลัพธ์"

# What marks a sentence as a question about a service rather than a request for it ("ยืมเต็นท์ได้บ่" asks;
# "ขอยืมเต็นท์ 2 หลัง" requests). Each capability adds its own words to these.
QUESTION_WORDS = (
    "ได้ไหม", "ได้มั้ย", "ได้มั๊ย", "ได้บ่", "ได้ป่าว", "ได้หรือเปล่า", "ได้หรือไม่", "ไหม", "มั้ย", "บ่",
    "ยังไง", "อย่างไร", "ยังงัย", "ทำไง", "จั่งได๋", "เฮ็ด", "ต้อง", "ระเบียบ", "แบบฟอร์ม", "ขั้นตอน",
    "เมื่อไหร่", "เมื่อไร", "ที่ไหน", "ใคร", "อะไร", "หรือเปล่า", "เปล่า", "?", "can i", "how",
)
# A message in the middle of a flow asks something only with one of these (bot.flow asides): "บ้านฉันเอง" typed
# where a location was wanted is an answer, however well the Q&A matches it; "เปิดกี่โมง" is a question.
ASKING_WORDS = QUESTION_WORDS + ("กี่", "เท่าไร", "เท่าไหร่", "ไหน", "หรือยัง", "บ้าง", "ไง", "มีไหม", "why", "what",
                                 "when", "where")

# -- feedback and complaints (handlers/feedback.py, handlers/feedback_staff.py, bot/feedback*.py) ---------------
QR_FEEDBACK = "แจ้งเรื่อง/ร้องเรียน"
QR_MY_REPORTS = "เรื่องของฉัน"
QR_NEXT = "ถัดไป"
QR_CAMERA = "ถ่ายรูป"
QR_PHOTO_LIBRARY = "เลือกรูป"
QR_SEND_LOCATION = "ส่งตำแหน่ง"
QR_NAMED = "เปิดเผยชื่อ"
QR_ANONYMOUS = "ไม่เปิดเผยชื่อ"
QR_EDIT = "แก้ไข"
FB_TRACK_TEXT = "ติดตามเรื่อง {code}"  # what a tap on a tracking code sends
# Phrases that start the flow (compared with bot.thai.text.match_key); a category's own phrases are in feedback.toml.
FEEDBACK_WORDS = ("ร้องเรียน", "แจ้งเรื่อง", "ร้องทุกข์", "แจ้งเรื่องร้องเรียน", "ส่งเรื่อง", QR_FEEDBACK, "complain")
# The words around FEEDBACK_WORDS in a first sentence ("อยากร้องเรียนเรื่อง..."): what is left is its details.
FEEDBACK_LEAD_WORDS = ("อยาก", "ขอ", "ต้องการ", "จะ", "มา", "ช่วย", "เรื่อง", "แจ้ง", "หน่อย", "ด้วย",
                       "ค่ะ", "ครับ", "คะ", "นะ")
# A sentence holding one of FEEDBACK_WORDS (or a category's phrase) starts the flow ("อยากร้องเรียนเรื่องไฟถนนดับ");
# with one of these it asks about complaining, or about a report already made, and the Q&A answers it.
FEEDBACK_QUESTION_WORDS = QUESTION_WORDS + (
    "ไหน", "ช่องทาง", "บ้าง", "ติดตาม", "สถานะ", "ไปแล้ว", "ที่แจ้ง", "ที่ร้องเรียน", "ผลการ", "track", "status",
    "เช็ค", "คืบหน้า", "ถึงไหน")
MY_REPORTS_WORDS = (QR_MY_REPORTS, "เรื่องที่ฉันแจ้ง", "เรื่องที่แจ้งไว้", "my reports")
TRACK_WORDS = ("ติดตามเรื่อง", "ติดตาม", "ตามเรื่อง", "เช็คสถานะ", "track")
NEXT_WORDS = (QR_NEXT, "ต่อไป", "เสร็จ", "พอแล้ว", "ครบแล้ว", "next")
NAMED_WORDS = (QR_NAMED, "เปิดเผย", "ระบุชื่อ")
ANONYMOUS_WORDS = (QR_ANONYMOUS, "ไม่ระบุชื่อ", "ไม่บอกชื่อ", "anonymous")

FB_NEEDS_ONE_TO_ONE = "การแจ้งเรื่องทำได้ในแชตส่วนตัวกับบัญชีนี้ค่ะ กรุณาทักแชตส่วนตัวแล้วพิมพ์ \"ร้องเรียน\" นะคะ"
FB_DAILY_CAP = (
    "ขออภัยค่ะ วันนี้ท่านแจ้งเรื่องครบ {cap} เรื่องแล้ว ซึ่งเป็นจำนวนสูงสุดต่อวัน "
    "กรุณาแจ้งเพิ่มในวันพรุ่งนี้ หรือติดต่อหน่วยงานโดยตรงนะคะ"
)
FB_ASK_CATEGORY = "ยินดีรับเรื่องค่ะ 🙏 เรื่องที่จะแจ้งเป็นประเภทใดคะ แตะเลือกจากปุ่มด้านล่างได้เลยค่ะ\n{categories}"
FB_CATEGORY_LINE = "• {label}: {description}"
FB_BAD_CATEGORY = "ขออภัยค่ะ ไม่พบประเภทนี้ กรุณาแตะเลือกประเภทจากปุ่มด้านล่าง หรือพิมพ์ \"ยกเลิก\" ค่ะ"
FB_ASK_ANONYMOUS_FIRST = (
    "เรื่อง{category} ท่านเลือกแจ้งแบบไม่เปิดเผยชื่อได้ค่ะ ระบบจะไม่เก็บบัญชี LINE ของท่านไว้กับเรื่องนี้เลย "
    "และจะไม่แจ้งความคืบหน้ากลับทาง LINE แต่ท่านติดตามได้ด้วยรหัสติดตามเรื่องค่ะ\nต้องการเปิดเผยชื่อหรือไม่คะ"
)
FB_ASK_ANONYMOUS = (
    "ต้องการแจ้งแบบเปิดเผยชื่อหรือไม่คะ\n"
    "• เปิดเผยชื่อ: ระบบแจ้งความคืบหน้าให้ทาง LINE นี้\n"
    "• ไม่เปิดเผยชื่อ: ระบบไม่เก็บบัญชี LINE ของท่านไว้กับเรื่องนี้ ท่านติดตามได้ด้วยรหัสติดตามเรื่องค่ะ"
)
FB_BAD_ANONYMOUS = "กรุณาแตะ \"เปิดเผยชื่อ\" หรือ \"ไม่เปิดเผยชื่อ\" ค่ะ"
FB_ASK_DETAILS = "กรุณาพิมพ์รายละเอียดของเรื่องค่ะ เช่น เกิดอะไรขึ้น ที่ไหน เมื่อไร"
FB_DETAILS_TOO_SHORT = "รายละเอียดสั้นเกินไปค่ะ กรุณาเล่าเพิ่มอีกสักนิด (อย่างน้อย {minimum} ตัวอักษร) เพื่อให้เจ้าหน้าที่ดำเนินการได้ค่ะ"
FB_DETAILS_TRIMMED = (
    "รายละเอียดยาวเกิน {limit:,} ตัวอักษร ระบบเก็บไว้เฉพาะ {limit:,} ตัวอักษรแรกค่ะ "
    "หากส่วนที่ถูกตัดสำคัญ แตะ \"แก้ไข\" ในหน้าสรุปเพื่อเขียนให้สั้นลงได้ค่ะ"
)
FB_DETAILS_TAKEN = "รับรายละเอียดเรื่องไว้แล้วค่ะ (แก้ไขได้ก่อนกดยืนยัน)"
FB_TEXT_EXPECTED = "ขั้นตอนนี้ต้องการคำตอบเป็นข้อความค่ะ"
FB_ASK_PHOTOS = "มีรูปภาพประกอบไหมคะ ส่งรูปได้สูงสุด {limit} รูป แล้วแตะ \"ถัดไป\" หรือแตะ \"ข้าม\" หากไม่มีรูปค่ะ"
FB_ASK_PHOTOS_AGAIN = "ส่งรูปใหม่ได้สูงสุด {limit} รูป (รูปเดิมถูกนำออกแล้ว) แล้วแตะ \"ถัดไป\" หรือแตะ \"ข้าม\" หากไม่ต้องการรูปค่ะ"
FB_PHOTO_SAVED = "ได้รับรูปที่ {n} แล้วค่ะ ส่งเพิ่มได้อีก {left} รูป หรือแตะ \"ถัดไป\" ค่ะ"
FB_PHOTO_LAST = "ได้รับรูปที่ {n} แล้วค่ะ ครบจำนวนที่รับได้แล้ว"
FB_PHOTO_FAILED = "ขออภัยค่ะ รับรูปนี้ไม่ได้ ({reason}) ส่งรูปอื่น หรือแตะ \"ถัดไป\" ค่ะ"
FB_PHOTOS_PROMPT = "ขั้นตอนนี้รับรูปภาพค่ะ กรุณาส่งรูป หรือแตะ \"ถัดไป\" / \"ข้าม\" ค่ะ"
FB_ASK_LOCATION = "ต้องการระบุตำแหน่งไหมคะ แตะ \"ส่งตำแหน่ง\" แล้วเลือกจุดบนแผนที่ หรือแตะ \"ข้าม\" ค่ะ"
FB_LOCATION_SAVED = "ได้รับตำแหน่งแล้วค่ะ"
FB_LOCATION_PROMPT = "ขั้นตอนนี้รับตำแหน่งที่ตั้งค่ะ กรุณาส่ง Location หรือแตะ \"ข้าม\" ค่ะ"
FB_ASK_PHONE = "ขอเบอร์โทรศัพท์ให้เจ้าหน้าที่ติดต่อกลับค่ะ (ไม่บังคับ) พิมพ์เบอร์ เช่น 0812345678 หรือแตะ \"ข้าม\" ค่ะ"
FB_BAD_PHONE = (
    "เบอร์โทรศัพท์ไม่ถูกต้องค่ะ กรุณาพิมพ์เบอร์ที่ขึ้นต้นด้วย 0 เช่น 0812345678 หรือ 02-123-4567 "
    "หรือแตะ \"ข้าม\" ค่ะ"
)
FB_SUMMARY = (
    "สรุปเรื่องที่จะแจ้งค่ะ\n"
    "ประเภท: {category}\n"
    "รายละเอียด: {details}\n"
    "รูปภาพ: {photos}\n"
    "ตำแหน่ง: {location}\n"
    "ผู้แจ้ง: {who}\n"
    "เบอร์ติดต่อ: {phone}\n\n"
    "ถูกต้องไหมคะ แตะ \"ยืนยัน\" เพื่อส่งเรื่อง หรือ \"แก้ไข\" ค่ะ"
)
FB_NONE = "ไม่มี"
FB_PHOTOS_COUNT = "{n} รูป"
FB_LOCATION_SHARED = "ส่งตำแหน่งแล้ว"
FB_WHO_ANONYMOUS = "ไม่เปิดเผยชื่อ"
FB_WHO_NAMED = "เปิดเผยชื่อ (แจ้งความคืบหน้าทาง LINE นี้)"
FB_BAD_CONFIRM = "กรุณาแตะ \"ยืนยัน\" เพื่อส่งเรื่อง \"แก้ไข\" เพื่อแก้ หรือ \"ยกเลิก\" ค่ะ"
FB_ASK_EDIT = "ต้องการแก้ไขส่วนใดคะ"
FB_BAD_EDIT = "กรุณาแตะเลือกส่วนที่ต้องการแก้ไขจากปุ่มด้านล่างค่ะ"
# The parts of a report the citizen may edit from the summary: step -> button label.
FB_EDIT_PARTS = {
    "category": "ประเภท",
    "details": "รายละเอียด",
    "photos": "รูปภาพ",
    "location": "ตำแหน่ง",
    "anonymous": "การเปิดเผยชื่อ",
    "phone": "เบอร์ติดต่อ",
}
FB_SUBMITTED = "ส่งเรื่องเรียบร้อยแล้วค่ะ ✅\nรหัสติดตามเรื่อง: {code}\nเรื่องถูกส่งถึง{unit}แล้ว\n{follow}"
FB_FOLLOW_NAMED = "ระบบจะแจ้งความคืบหน้าทาง LINE นี้ และพิมพ์ \"ติดตามเรื่อง {code}\" ได้ทุกเมื่อค่ะ"
FB_FOLLOW_ANONYMOUS = (
    "เรื่องนี้ไม่เปิดเผยชื่อ ระบบจึงไม่แจ้งความคืบหน้ากลับค่ะ\n"
    "🔑 รหัสลับของท่าน: {pin}\n"
    "กรุณาจดรหัสติดตามและรหัสลับนี้เก็บไว้ให้ดีนะคะ รหัสลับแสดงครั้งนี้ครั้งเดียว "
    "ระบบไม่ได้เก็บไว้ และไม่มีใครขอดูย้อนหลังได้ค่ะ\n"
    "ดูความคืบหน้าได้โดยพิมพ์ \"ติดตามเรื่อง {code} {pin}\" ค่ะ"
)
FB_UNIT_UNKNOWN = "หน่วยงานที่รับผิดชอบ"

# Staff: the card of a new report, its buttons, and the answers to them.
FB_CARD_ALT = "เรื่องใหม่ {code}: {category} — {details}"
FB_CARD_ALT_REMINDER = "ยังไม่มีผู้รับเรื่อง {code}: {category}"
FB_CARD_TITLE = "เรื่องที่ประชาชนแจ้งเข้ามา"
FB_CARD_FORWARDED = "ส่งต่อมาจาก{unit}"
FB_CARD_REMINDER = "ยังไม่มีผู้รับเรื่อง แจ้งมาแล้ว {days} วัน"
FB_CARD_WHEN = "แจ้งเมื่อ {when}"
FB_CARD_PHOTOS = "รูปภาพ {n} รูป (เก็บไว้ในระบบ)"
FB_CARD_LOCATION = "ตำแหน่ง: {place}"
FB_CARD_MAP = "ดูแผนที่"
FB_CARD_PHOTO_LINK = "ดูรูปที่ {n}"
FB_CARD_REPORTER = "ผู้แจ้ง: {who}"
FB_CARD_PHONE = "ติดต่อกลับ: {phone}"
FB_CARD_NAMED = "เปิดเผยชื่อ (ระบบแจ้งความคืบหน้าให้อัตโนมัติ)"
BTN_FB_ACK = "รับเรื่อง"
BTN_FB_PROGRESS = "กำลังดำเนินการ"
BTN_FB_DONE = "เสร็จสิ้น"
BTN_FB_FORWARD = "ส่งต่อ"
# The same for a report of another unit and one that does not exist: a button's ids can be forged.
FB_NOT_YOURS = "ขออภัยค่ะ ท่านดำเนินการกับปุ่มนี้ไม่ได้ อาจเป็นเรื่องที่ไม่ได้อยู่ในความรับผิดชอบของหน่วยงานท่านค่ะ"
QR_STAFF_REPORTS = "งานเรื่องร้องเรียน"
STAFF_REPORTS_WORDS = (QR_STAFF_REPORTS, "งานร้องเรียน", "เรื่องร้องเรียนค้าง", "เรื่องที่รอดำเนินการ", "งานแจ้งเรื่อง")
FB_STAFF_NONE = "ขณะนี้ไม่มีเรื่องที่รอดำเนินการของหน่วยงานค่ะ 👍"
FB_STAFF_HEADER = "เรื่องที่รอดำเนินการ {count} เรื่องค่ะ การ์ดด้านล่างคือ {shown} เรื่องที่แจ้งไว้นานที่สุด"
FB_STATUS_SET = "บันทึกสถานะเรื่อง {code} เป็น \"{status}\" แล้วค่ะ"
FB_ALREADY = "เรื่อง {code} มีสถานะ \"{status}\" อยู่แล้วค่ะ ไม่ได้เปลี่ยนแปลงอะไร"
FB_ASK_CLOSING_NOTE = "กรุณาพิมพ์สรุปผลการดำเนินการเรื่อง {code} สั้น ๆ ค่ะ ข้อความนี้จะแจ้งถึงผู้แจ้งด้วย"
FB_CLOSING_NOTE_PROMPT = "กรุณาพิมพ์สรุปผลการดำเนินการเป็นข้อความ หรือพิมพ์ \"ยกเลิก\" ค่ะ"
FB_CLOSING_NOTE_TRIMMED = "สรุปผลยาวเกิน {limit:,} ตัวอักษร ระบบเก็บไว้เฉพาะ {limit:,} ตัวอักษรแรกค่ะ"
FB_CLOSED = "ปิดเรื่อง {code} เรียบร้อยแล้วค่ะ ✅"
FB_ASK_FORWARD = "ต้องการส่งต่อเรื่อง {code} ไปหน่วยงานใดคะ"
FB_NO_OTHER_UNIT = "ไม่มีหน่วยงานอื่นให้ส่งต่อค่ะ"
FB_FORWARDED = "ส่งต่อเรื่อง {code} ไปยัง{unit}แล้วค่ะ"
FB_ALREADY_FORWARDED = "เรื่อง {code} ไม่ได้อยู่ที่หน่วยงานเดิมแล้ว (ปัจจุบันอยู่ที่{unit}) จึงไม่ได้ส่งต่อซ้ำค่ะ"
FB_STATUS_NAMES = {
    "new": "รอรับเรื่อง",
    "acknowledged": "รับเรื่องแล้ว",
    "in_progress": "กำลังดำเนินการ",
    "done": "เสร็จสิ้น",
}
FB_EVENT_NAMES = {
    "created": "แจ้งเรื่อง ส่งถึง{unit}",
    "acknowledged": "{unit} รับเรื่องแล้ว",
    "in_progress": "{unit} กำลังดำเนินการ",
    "forwarded": "ส่งต่อไปยัง{unit}",
    "done": "ดำเนินการเสร็จสิ้น",
    "rated": "ผู้แจ้งให้คะแนนความพึงพอใจ",
}

# Back to the citizen.
FB_PUSH_STATUS = "ความคืบหน้าเรื่อง {code}: {status}ค่ะ"
FB_PUSH_FORWARDED = "ความคืบหน้าเรื่อง {code}: ส่งต่อไปยัง{unit}เพื่อดำเนินการค่ะ"
FB_RATE_ASK = "รบกวนให้คะแนนความพึงพอใจ 1–5 (5 = พอใจมากที่สุด) ด้วยนะคะ"
FB_PUSH_DONE = "เรื่อง {code} ดำเนินการเสร็จสิ้นแล้วค่ะ ✅\nผลการดำเนินการ: {note}\n\n" + FB_RATE_ASK
FB_RATING_LABEL = "{score} ⭐"
FB_RATED = "ขอบคุณสำหรับคะแนน {score} จาก 5 ค่ะ ความเห็นของท่านช่วยให้เราปรับปรุงบริการค่ะ"
FB_ALREADY_RATED = "ท่านให้คะแนนเรื่องนี้ไปแล้ว ({score} จาก 5) ขอบคุณค่ะ"
FB_RATE_NOT_YOURS = "ขออภัยค่ะ ผู้แจ้งเรื่องนี้เท่านั้นที่ให้คะแนนได้ค่ะ"

# Following up.
FB_TRACK_HOW = (
    "กรุณาพิมพ์ \"ติดตามเรื่อง\" ตามด้วยรหัสติดตาม เช่น ติดตามเรื่อง FB-2570-000123 ค่ะ "
    "หากแจ้งแบบไม่เปิดเผยชื่อ ให้พิมพ์รหัสลับ 6 หลักต่อท้ายด้วย เช่น ติดตามเรื่อง FB-2570-000123 123456 ค่ะ"
)
# The answers to a code that is not the asker's own named report: the same whether the code exists or not.
FB_TRACK_ASK_PIN = (
    "เรื่องที่แจ้งแบบไม่เปิดเผยชื่อ ต้องพิมพ์รหัสลับ 6 หลักที่ได้รับตอนส่งเรื่องต่อท้ายด้วยค่ะ "
    "เช่น ติดตามเรื่อง {code} 123456\n"
    "ส่วนเรื่องที่แจ้งแบบเปิดเผยชื่อ ติดตามได้จากบัญชี LINE ที่ใช้แจ้งเรื่องเท่านั้นค่ะ"
)
FB_TRACK_REFUSED = (
    "ไม่พบเรื่องที่ตรงกับรหัสติดตามและรหัสลับนี้ค่ะ กรุณาตรวจสอบอีกครั้งนะคะ "
    "(เรื่องที่แจ้งแบบเปิดเผยชื่อ ติดตามได้จากบัญชี LINE ที่ใช้แจ้งเรื่องเท่านั้นค่ะ)"
)
FB_TRACK_WAIT = "ขออภัยค่ะ มีการพิมพ์รหัสไม่ถูกต้องหลายครั้ง กรุณารอประมาณ {minutes} นาทีแล้วลองใหม่อีกครั้งนะคะ"
FB_TRACK_NEEDS_ONE_TO_ONE = "การติดตามเรื่องทำได้ในแชตส่วนตัวกับบัญชีนี้ค่ะ กรุณาทักแชตส่วนตัวแล้วพิมพ์อีกครั้งนะคะ"
FB_TRACK_HEADER = "เรื่อง {code} ({category})\nสถานะ: {status}\nหน่วยงาน: {unit}\n\nความคืบหน้า"
FB_TRACK_LINE = "• {when}: {what}"
FB_TRACK_NOTE = "  ผลการดำเนินการ: {note}"
FB_MY_NONE = "ท่านยังไม่มีเรื่องที่แจ้งไว้ค่ะ (เรื่องที่แจ้งแบบไม่เปิดเผยชื่อ ติดตามได้ด้วยรหัสติดตามและรหัสลับเท่านั้น)"
FB_MY_HEADER = "เรื่องที่ท่านแจ้งไว้ล่าสุดค่ะ"
FB_MY_LINE = "• {code} {category}: {status} (แจ้ง {when})"
FB_MY_FOOTER = "แตะรหัสด้านล่างเพื่อดูความคืบหน้าค่ะ"

# Reminders of reports nobody acknowledged (bot/feedback/notify.py), and the head's digest.
FB_REMIND_HEAD = (
    "เรื่อง {code} ({category}) ของ{unit} แจ้งมาแล้ว {days} วัน ยังไม่มีผู้รับเรื่องค่ะ "
    "กรุณาติดตามให้เจ้าหน้าที่รับเรื่องด้วยนะคะ"
)
DIGEST_FEEDBACK_LINE = "• เรื่อง {code} {category}: {status} (แจ้ง {when})"

# -- borrowing assets (handlers/loans.py, bot/loans/: service.py, cards.py, notify.py, report.py) -------------
QR_BORROW = "ยืมของ"
QR_MY_LOANS = "รายการยืมของฉัน"
QR_CHANGE_QUANTITY = "เปลี่ยนจำนวน"
QR_ADD_ITEM = "เพิ่มรายการ"
QR_CHANGE_CONTACT = "แก้ชื่อ/เบอร์โทร"
# What starts the flow; a borrowing *question* ("ยืมเต็นท์ได้บ่", "ยืมของต้องทำยังไง") is answered by the Q&A.
BORROW_WORDS = ("ยืม", "borrow")
BORROW_QUESTION_WORDS = QUESTION_WORDS + ("สมุดคุม", "เสียเงิน", "ค่าใช้จ่าย", "คืนยังไง", "กี่วัน", "สถิติ", "กี่ครั้ง",
                                          "กี่คน", "จำนวน", "ปีที่แล้ว", "how many")
MY_LOANS_WORDS = ("รายการยืม", "รายการยืมของฉัน", "คำขอยืม", "คำขอยืมของฉัน", "ดูรายการยืม", "ยกเลิกการยืม",
                  "ยกเลิกคำขอยืม", "สถานะการยืม", "ติดตามการยืม")
QR_STAFF_LOANS = "งานยืมคืน"
STAFF_LOANS_WORDS = (QR_STAFF_LOANS, "รายการยืมค้าง", "คำขอยืมรออนุมัติ", "จัดการการยืม")
QR_STAFF_REMINDERS = "งานตามมาตรการ"
STAFF_REMINDERS_WORDS = (QR_STAFF_REMINDERS, "งานเตือนวันนี้", "งานที่ต้องทำ", "การแจ้งเตือนค้าง", "งานค้างตามมาตรการ")
STAFF_REMINDERS_HEADER = "งานตามมาตรการที่ยังไม่เสร็จ {count} รายการค่ะ"
STAFF_REMINDERS_NONE = "ไม่มีงานตามมาตรการค้างอยู่ค่ะ"
QR_STAFF_MENU = "เมนูเจ้าหน้าที่"
STAFF_MENU_WORDS = (QR_STAFF_MENU, "เมนูงาน", "กลับเมนูเจ้าหน้าที่", "staff menu")
STAFF_MENU_SWITCHED = "ตอนนี้แสดงเมนูประชาชนค่ะ แตะ \"เมนูเจ้าหน้าที่\" เพื่อกลับไปที่เมนูงาน"
STAFF_MENU_BACK = "กลับมาที่เมนูเจ้าหน้าที่แล้วค่ะ"
STAFF_MENU_NONE = "ยังไม่ได้ติดตั้งเมนูเจ้าหน้าที่ค่ะ เลือกงานได้จากปุ่มด้านล่าง"
LOAN_CODE = "ยืม-{id:04d}"
MONEY_LOAN_WORDS = ("ยืมเงิน", "กู้เงิน", "ให้กู้", "เงินกู้", "กู้ยืมเงิน", "ยืมตังค์", "ยืมตัง", "borrowmoney",
                    "lendmoney", "lendme")
LOAN_NO_MONEY = (
    "ขออภัยค่ะ {office}ไม่มีบริการให้ยืมหรือให้กู้เงินค่ะ\n"
    "สิ่งที่ยืมได้คือทรัพย์สินของทางราชการสำหรับงานของชุมชน เช่น {items} แตะ \"{button}\" เพื่อขอยืมได้เลยค่ะ"
)
LOAN_EXAMPLE_NOTE = "หมายเหตุ: รายการของนี้เป็นข้อมูลตัวอย่าง รอหน่วยงานยืนยันค่ะ"
LOAN_NO_ASSETS = "ขออภัยค่ะ ขณะนี้หน่วยงานยังไม่ได้ลงรายการของที่ให้ยืม กรุณาติดต่อหน่วยงานโดยตรงนะคะ"
LOAN_ASK_ITEM = "ต้องการยืมอะไรคะ เลือกจากด้านล่าง หรือพิมพ์ชื่อของได้เลยค่ะ\n{items}"
LOAN_ITEM_LINE = "• {name}: มี {quantity} {unit} ยืมได้ครั้งละไม่เกิน {max_days} วัน"
# "ยืมเต็นท์ได้ไหม": the item's terms, and a button that starts the request.
LOAN_ITEM_ANSWER = (
    "ยืม{name}ได้ค่ะ หน่วยงานมี {quantity} {unit} ยืมได้ครั้งละไม่เกิน {max_days} วัน "
    "และต้องขอล่วงหน้าอย่างน้อย {lead_days} วัน โดย{responsible}เป็นผู้พิจารณาค่ะ\n"
    "แตะ \"{button}\" ด้านล่างเพื่อส่งคำขอได้เลยค่ะ"
)
QR_BORROW_ITEM = "ขอยืม{name}"
LOAN_ITEM_UNKNOWN = "ขออภัยค่ะ ไม่พบของชิ้นนี้ในรายการที่ให้ยืม กรุณาเลือกจากด้านล่างนะคะ"
LOAN_OTHER_UNIT = "{others} อยู่ในความดูแลของ{unit} จึงต้องส่งเป็นคำขอแยกค่ะ คำขอนี้มี{items}นะคะ"
LOAN_ITEMS_LINE = "• {name} {quantity} {unit}"
LOAN_ITEM_QUANTITY = "{name} {quantity} {unit}"
LOAN_ITEMS_JOIN = ", "
LOAN_ASK_QUANTITY = "ต้องการยืม{name}กี่{unit}คะ (หน่วยงานมีทั้งหมด {quantity} {unit})"
LOAN_BAD_QUANTITY = "กรุณาพิมพ์จำนวนเป็นตัวเลข ตั้งแต่ 1 ถึง {quantity} {unit} ค่ะ"
LOAN_ASK_DATES = (
    "ต้องการยืม{items} วันไหนถึงวันไหนคะ\n"
    "พิมพ์ได้เช่น \"5-7 ธ.ค.\" \"พรุ่งนี้\" หรือ \"เสาร์นี้\" "
    "(ยืมได้ไม่เกิน {max_days} วัน และต้องขอล่วงหน้าอย่างน้อย {lead_days} วัน)"
)
LOAN_DATE_PROBLEMS = {
    "unreadable": "ขออภัยค่ะ อ่านวันที่ไม่ออก กรุณาพิมพ์เช่น \"5-7 ธ.ค.\" \"5/12/69\" หรือ \"พรุ่งนี้\" นะคะ",
    "impossible": "วันที่นี้ไม่มีในปฏิทินค่ะ (เช่น 31 ก.พ.) กรุณาตรวจสอบอีกครั้งนะคะ",
    "past": "วันที่นี้ผ่านมาแล้วค่ะ กรุณาเลือกวันตั้งแต่วันนี้เป็นต้นไปนะคะ",
    "too_far": "วันที่นี้ไกลเกิน 1 ปีค่ะ กรุณาตรวจสอบปีอีกครั้ง (เช่น 2569 หรือ 69) นะคะ",
    "end_before_start": "วันคืนต้องไม่ก่อนวันยืมค่ะ กรุณาพิมพ์ช่วงวันใหม่ เช่น \"5-7 ธ.ค.\" นะคะ",
}
LOAN_TOO_LONG = (
    "{name}ยืมได้ไม่เกิน {max_days} วัน (นับวันรับและวันคืน) ค่ะ ช่วง {start} - {end} ยาว {days} วัน "
    "กรุณาเลือกช่วงวันใหม่นะคะ"
)
LOAN_TOO_SOON = "{name}ต้องขอล่วงหน้าอย่างน้อย {lead_days} วันค่ะ วันรับของที่เร็วที่สุดคือ {earliest} กรุณาเลือกวันใหม่นะคะ"
LOAN_NOT_ENOUGH = "ขออภัยค่ะ ช่วง {start} - {end} มี{name}ว่างเพียง {free} {unit} (ต้องการ {quantity} {unit})"
LOAN_SUGGEST = "ช่วงที่ใกล้ที่สุดที่ว่างครบทุกรายการคือ {start} - {end} ค่ะ แตะด้านล่างเพื่อเลือก หรือพิมพ์ช่วงวันใหม่ได้ค่ะ"
LOAN_NO_SUGGESTION = "ไม่พบช่วงวันใกล้เคียงที่ว่างครบค่ะ กรุณาพิมพ์ช่วงวันอื่น หรือแตะ \"เปลี่ยนจำนวน\" นะคะ"
LOAN_DATES_OK = "{items} วันที่ {start} - {end} ว่างค่ะ"
# The office is closed on a requested pick-up or return day: the nearest working days are offered.
LOAN_CLOSED_DAY = "{day} สำนักงานปิด ({why}) จึง{what}ในวันนั้นไม่ได้ค่ะ"
LOAN_CLOSED_WEEKEND = "วันหยุดเสาร์-อาทิตย์"
LOAN_CLOSED_PICKUP = "รับของ"
LOAN_CLOSED_RETURN = "คืนของ"
LOAN_CLOSED_OFFER = "ขอเสนอรับของ{start} และคืนของ{end} ค่ะ แตะด้านล่างเพื่อเลือก หรือพิมพ์ช่วงวันใหม่ได้ค่ะ"
LOAN_CLOSED_NO_OFFER = "กรุณาเลือกวันรับและวันคืนที่เป็นวันทำการ (จันทร์-ศุกร์ ไม่ใช่วันหยุดราชการ) นะคะ"
LOAN_FAR_AHEAD = " (อีก {months} เดือน)"
LOAN_ASK_PURPOSE = "ยืมไปใช้ในงานอะไร ที่ไหนคะ (เช่น งานบุญประจำปี บ้านเลขที่ 12 หมู่ 3)"
LOAN_ASK_NAME = "ขอชื่อ-นามสกุลของผู้ยืมค่ะ"
LOAN_ASK_PHONE = "ขอเบอร์โทรศัพท์ที่ติดต่อได้ค่ะ"
LOAN_BAD_PHONE = "เบอร์โทรศัพท์ไม่ถูกต้องค่ะ กรุณาพิมพ์ตัวเลข 9-10 หลัก เช่น 0812345678"
LOAN_TEXT_TOO_SHORT = "ข้อความสั้นเกินไปค่ะ กรุณาพิมพ์อีกครั้งนะคะ"
LOAN_BAD_NAME = "ขอชื่อ-นามสกุลของผู้ยืมเป็นตัวอักษรค่ะ เช่น สมชาย ใจดี"
LOAN_TEXT_TOO_LONG = "ข้อความยาวเกิน {limit} ตัวอักษรค่ะ กรุณาพิมพ์ให้สั้นลงนะคะ"
LOAN_SUMMARY = (
    "กรุณาตรวจสอบคำขอยืมค่ะ\n"
    "ของ:\n{item_lines}\n"
    "รับของ: {start_day}{far}\n"
    "คืนของ: {end_day} ({days} วัน)\n"
    "ใช้ในงาน: {purpose}\n"
    "ผู้ยืม: {contact_name} โทร {phone}\n\n"
    "ถูกต้องแล้วแตะ \"ยืนยัน\" ต้องการยืมของอื่นด้วยแตะ \"เพิ่มรายการ\" เปลี่ยนผู้ยืมแตะ \"แก้ชื่อ/เบอร์โทร\" "
    "หรือ \"ยกเลิก\" ค่ะ"
)
LOAN_CONFIRM_PROMPT = "แตะ \"ยืนยัน\" เพื่อส่งคำขอ หรือ \"ยกเลิก\" ค่ะ"
LOAN_SUBMITTED = (
    "ส่งคำขอยืมเรียบร้อยแล้วค่ะ เลขที่ {code}\n"
    "เจ้าหน้าที่{unit}จะพิจารณาและแจ้งผลทาง LINE นี้ค่ะ ดูหรือยกเลิกคำขอได้โดยพิมพ์ \"รายการยืม\""
)
LOAN_TAKEN_MEANWHILE = "ขออภัยค่ะ ระหว่างนี้มีผู้ขอยืมไปก่อน ช่วงวันนั้น{name}ว่างเหลือ {free} {unit} กรุณาเลือกช่วงวันใหม่นะคะ"
LOAN_STATUS_NAMES = {
    "pending": "รอพิจารณา",
    "approved": "อนุมัติแล้ว รอรับของ",
    "rejected": "ไม่อนุมัติ",
    "cancelled": "ยกเลิกแล้ว",
    "handed_over": "รับของแล้ว",
    "returned": "คืนแล้ว",
}
CONDITION_NAMES = {"complete": "ครบ", "damaged": "ชำรุด", "lost": "สูญหาย"}
MOVEMENT_NAMES = {
    "requested": "ขอยืม",
    "approved": "อนุมัติ",
    "rejected": "ไม่อนุมัติ",
    "cancelled": "ยกเลิก",
    "handed_over": "ส่งมอบ",
    "returned": "รับคืน",
}
LOAN_LIST_HEADER = "คำขอยืมของท่านค่ะ"
LOAN_LIST_LINE = "• {code} {items} วันที่ {start} - {end}: {status}"
LOAN_LIST_EMPTY = "ท่านยังไม่มีคำขอยืมที่ค้างอยู่ค่ะ ต้องการยืมของ แตะ \"ยืมของ\" ได้เลยค่ะ"
LOAN_LIST_CANCEL_HINT = "ยกเลิกคำขอได้จากปุ่มด้านล่าง (ก่อนวันรับของ) ค่ะ"
QR_CANCEL_LOAN = "ยกเลิก {code}"
LOAN_CANCELLED = "ยกเลิกคำขอ {code} เรียบร้อยแล้วค่ะ"
LOAN_CANCEL_NOT_POSSIBLE = "คำขอ {code} ยกเลิกไม่ได้แล้วค่ะ สถานะ: {status} หากมีปัญหา กรุณาติดต่อหน่วยงานนะคะ"
LOAN_NOT_YOUR_REQUEST = "ขออภัยค่ะ คำขอนี้ไม่ใช่ของท่าน"
LOAN_GONE = "ขออภัยค่ะ ไม่พบคำขอยืมนี้ในระบบ"
# Staff
LOAN_CARD_ALT = "คำขอยืม {code}: {items} วันที่ {start} - {end} ({status})"
LOAN_CARD_TITLE = "คำขอยืมทรัพย์สินของทางราชการ"
LOAN_CARD_DATES = "วันที่ {start} - {end} ({days} วัน)"
LOAN_CARD_PURPOSE = "ใช้ในงาน: {purpose}"
LOAN_CARD_BORROWER = "ผู้ยืม: {contact_name} โทร {phone}"
LOAN_CARD_STATUS = "สถานะ: {status}"
BTN_APPROVE = "อนุมัติ"
BTN_REJECT = "ไม่อนุมัติ"
BTN_HANDED_OVER = "ส่งมอบแล้ว"
BTN_RETURN_COMPLETE = "คืนครบ สภาพดี"
BTN_RETURN_PROBLEM = "มีชำรุด/สูญหาย"
BTN_CONFIRM_HANDOVER = "ยืนยันส่งมอบ"
BTN_CONFIRM_RETURN = "ยืนยันรับคืน"
# Staff acting before or after the loan's dates are told so before they confirm.
LOAN_TIMING = {
    "early": "ส่งมอบก่อนวันเริ่ม {days} วัน (วันเริ่ม {start})",
    "late_handover": "ส่งมอบหลังวันเริ่ม {days} วัน (วันเริ่ม {start})",
    "late": "คืนหลังวันสิ้นสุด {days} วัน (กำหนดคืน {end})",
}
LOAN_CONFIRM_HANDOVER = "ส่งมอบ {code}:\n{item_lines}\n⚠️ {timing}\nถูกต้องแล้วแตะ \"ยืนยันส่งมอบ\" ค่ะ"
LOAN_CONFIRM_RETURN = "รับคืน {code}:\n{item_lines}{timing}\nถูกต้องแล้วแตะ \"ยืนยันรับคืน\" ค่ะ"
LOAN_RETURN_LINE = "• {name}: ครบ {complete}, ชำรุด {damaged}, สูญหาย {lost} {unit}{note}"
LOAN_RETURN_ALL_GOOD = "• {name} {quantity} {unit}: ครบ สภาพดี"
LOAN_ASK_RETURN_PROBLEMS = (
    "รับคืน {code}:\n{item_lines}\n"
    "พิมพ์ของที่ชำรุดหรือสูญหายทีละรายการ เช่น \"{example} ชำรุด 1 ผ้าใบขาด\" หรือ \"{example} หาย 1\" "
    "รายการที่ไม่ได้พิมพ์ถือว่าคืนครบค่ะ"
)
LOAN_RETURN_PROBLEM_UNREAD = (
    "ขออภัยค่ะ อ่านไม่ออก กรุณาพิมพ์ชื่อของ คำว่า \"ชำรุด\" หรือ \"หาย\" และจำนวน เช่น \"{example} ชำรุด 1\" ค่ะ"
)
LOAN_RETURN_TOO_MANY = "{name} ยืมไป {quantity} {unit} ค่ะ จำนวนชำรุดและสูญหายรวมกันต้องไม่เกินนั้น กรุณาพิมพ์ใหม่นะคะ"
LOAN_RETURN_DAMAGED_WORDS = ("ชำรุด", "เสียหาย", "เสีย", "พัง", "ขาด", "แตก", "หัก")
LOAN_RETURN_LOST_WORDS = ("สูญหาย", "หาย")
LOAN_RETURN_ALL_COMPLETE = "ครบทุกรายการ สภาพดี"
LOAN_APPROVED_STAFF = "อนุมัติคำขอ {code} แล้วค่ะ แจ้งผู้ยืมแล้ว เมื่อส่งมอบของให้แตะ \"ส่งมอบแล้ว\" ค่ะ"
LOAN_REJECTED_STAFF = "บันทึกไม่อนุมัติคำขอ {code} แล้วค่ะ แจ้งผู้ยืมพร้อมเหตุผลแล้ว"
LOAN_HANDED_OVER_STAFF = "บันทึกส่งมอบ {code} แล้วค่ะ เมื่อรับของคืนให้แตะปุ่มสภาพของที่คืนค่ะ"
LOAN_RETURNED_STAFF = "บันทึกรับคืน {code} แล้วค่ะ\n{condition}\n ต้องการเพิ่มหมายเหตุ พิมพ์ได้เลย หรือแตะ \"ข้าม\""
LOAN_NOTE_SAVED = "บันทึกหมายเหตุแล้วค่ะ"
LOAN_ALREADY = "คำขอ {code} มีสถานะ \"{status}\" อยู่แล้วค่ะ ไม่ได้บันทึกซ้ำ"
LOAN_NOT_YOURS = "ขออภัยค่ะ คำขอนี้เป็นของ{unit} ท่านไม่มีสิทธิ์ดำเนินการ"
LOAN_APPROVE_NOT_ENOUGH = (
    "อนุมัติไม่ได้ค่ะ ช่วง {start} - {end} มี{name}ที่อนุมัติไปแล้วจนเหลือว่างเพียง {free} {unit} "
    "(คำขอนี้ {quantity} {unit}) กรุณาแตะ \"ไม่อนุมัติ\" พร้อมแจ้งเหตุผลค่ะ"
)
LOAN_ASK_REJECT_REASON = "กรุณาพิมพ์เหตุผลที่ไม่อนุมัติคำขอ {code} หรือเลือกจากด้านล่างค่ะ (ผู้ยืมจะได้รับเหตุผลนี้)"
LOAN_REJECT_REASONS = ("ของไม่ว่างวันนั้น", "ของอยู่ระหว่างซ่อม", "ข้อมูลไม่ครบถ้วน")
LOAN_STAFF_NONE = "ไม่มีรายการยืม-คืนที่รอดำเนินการค่ะ"
LOAN_STAFF_HEADER = "รายการยืม-คืนที่รอดำเนินการ {count} รายการค่ะ"
# To the citizen
LOAN_NOTICE_NEW = "มีคำขอยืมใหม่ {code} ค่ะ"
LOAN_NOTICE_APPROVED = (
    "คำขอยืม {code} ({items} วันที่ {start} - {end}) ได้รับการอนุมัติแล้วค่ะ 🎉\n"
    "กรุณารับของที่{unit_name}ในวันที่ {start} ค่ะ"
)
LOAN_NOTICE_REJECTED = "ขออภัยค่ะ คำขอยืม {code} ({items}) ไม่ได้รับการอนุมัติ\nเหตุผล: {reason}"
LOAN_NOTICE_HANDED_OVER = "บันทึกการรับ{items} ตามคำขอ {code} แล้วค่ะ กรุณาคืนภายในวันที่ {end} นะคะ"
LOAN_NOTICE_RETURNED = "บันทึกการคืนของตามคำขอ {code} แล้วค่ะ\n{condition}\nขอบคุณที่ใช้บริการค่ะ"
LOAN_NOTICE_CANCELLED_STAFF = "ผู้ยืมยกเลิกคำขอ {code} ({items} วันที่ {start} - {end}) แล้วค่ะ"
# Reminders (the scheduler's tick job)
LOAN_REMIND_PICKUP = "พรุ่งนี้ ({start}) เป็นวันรับ{items} ตามคำขอ {code} ค่ะ กรุณารับของที่{unit_name}นะคะ"
LOAN_REMIND_DUE = "วันนี้ ({end}) ครบกำหนดคืน{items} ตามคำขอ {code} ค่ะ กรุณานำมาคืนที่{unit_name}นะคะ"
LOAN_REMIND_OVERDUE = (
    "{items} ตามคำขอ {code} เลยกำหนดคืน ({end}) มาแล้ว {days} วันค่ะ "
    "กรุณานำมาคืนที่{unit_name}โดยเร็วนะคะ"
)
LOAN_REMIND_OVERDUE_STAFF = (
    "{code}: {items} ของ{contact_name} (โทร {phone}) เลยกำหนดคืน ({end}) มาแล้ว {days} วันค่ะ"
)
DIGEST_LOAN_LINE = "• คำขอยืม {code}: {items} วันที่ {start} - {end} (รอพิจารณา)"
# The year-end report (bot/loans/report.py)
LOAN_REPORT_LEDGER_TITLE = "สมุดคุมการให้ยืม-คืนทรัพย์สินของทางราชการ ปีงบประมาณ {fiscal_year}"
LOAN_REPORT_STATS_TITLE = "สถิติการให้ยืม-คืนทรัพย์สินของทางราชการ ปีงบประมาณ {fiscal_year}"
LOAN_REPORT_MONTHS_TITLE = "จำนวนครั้งที่ให้ยืม รายเดือน ปีงบประมาณ {fiscal_year}"
LOAN_REPORT_CHART_TITLE = "จำนวนครั้งที่ให้ยืมทรัพย์สิน รายเดือน ปีงบประมาณ {fiscal_year}"
LOAN_REPORT_CHART_Y = "จำนวนครั้ง"

# -- everyday services (bot/qa/services.py, bot/data/services.toml) ------------------------------------------------
SERVICE_HEADER = "{name}ค่ะ"
SERVICE_UNIT = "หน่วยงานที่รับผิดชอบ: {unit}"
# The name of each side of a service, in the order a whole answer shows them.
SERVICE_FIELDS = {
    "eligible": "ผู้มีสิทธิ",
    "amount": "จำนวนเงิน",
    "documents": "เอกสารที่ใช้",
    "fees": "ค่าธรรมเนียม",
    "when": "ช่วงเวลา/กำหนด",
    "steps": "ขั้นตอน",
    "duration": "ระยะเวลา",
    "where": "ติดต่อ/ยื่นที่",
    "legal": "อ้างอิง",
}
SERVICE_FIELD = "{label}: {value}"
SERVICE_LIST = "{label}:\n{items}"
SERVICE_ITEM = "• {value}"
SERVICE_BAND = "อายุ {ages}: {amount:,} {per}"
SERVICE_BAND_AGES_FROM = "{start} ปีขึ้นไป"
SERVICE_BAND_AGES = "{start}–{end} ปี"
SERVICE_PER_DEFAULT = "บาท/เดือน"
SERVICE_BAND_ANSWER = "อายุ {age} ปี ได้{name} {amount:,} {per}ค่ะ"
SERVICE_BELOW_BANDS = "อายุ {age} ปี ยังไม่ถึงเกณฑ์รับ{name}ค่ะ (เริ่มที่อายุ {start} ปี)"
SERVICE_ABOVE_BANDS = "อายุ {age} ปี เกินช่วงอายุที่ได้รับ{name}ค่ะ (ได้ถึงอายุ {end} ปี)"
SERVICE_MORE = "ถามต่อได้เลยค่ะ เช่น เอกสาร ค่าธรรมเนียม ขั้นตอน"

# -- privacy (PDPA) ---------------------------------------------------------------------------------------------
QR_MY_DATA = "ข้อมูลของฉัน"
QR_ERASE_MY_DATA = "ลบข้อมูลของฉัน"
QR_PRIVACY = "ความเป็นส่วนตัว"
MY_DATA_WORDS = (QR_MY_DATA, "ข้อมูลส่วนตัวของฉัน", "ดูข้อมูลของฉัน", "ขอดูข้อมูลของฉัน", "ข้อมูลส่วนบุคคลของฉัน",
                 "my data")
ERASE_WORDS = (QR_ERASE_MY_DATA, "ลบข้อมูลส่วนตัว", "ลบข้อมูลส่วนตัวของฉัน", "ขอลบข้อมูลของฉัน", "ลบข้อมูลส่วนบุคคล",
               "delete my data")
PRIVACY_WORDS = (QR_PRIVACY, "นโยบายความเป็นส่วนตัว", "ประกาศความเป็นส่วนตัว", "คุ้มครองข้อมูลส่วนบุคคล", "pdpa",
                 "privacy")

PRIVACY_EXAMPLE_MARK = "ตัวอย่าง — สำนักงานต้องแก้ไขก่อนใช้งานจริง"
PRIVACY_NOTICE_AT_FOLLOW = "เรื่องความเป็นส่วนตัวของท่านค่ะ"
PRIVACY_NOTICE_BEFORE_ASKING = "ก่อนขอข้อมูลส่วนตัวของท่าน ขอแจ้งเรื่องความเป็นส่วนตัวให้ทราบก่อนนะคะ"
PRIVACY_NOTICE = (
    "{heading}\n"
    "• เก็บเพื่อ: {purpose}\n"
    "• ฐานทางกฎหมาย: {legal_basis}\n"
    "• ผู้ได้รับข้อมูล: {recipients}\n"
    "• ระยะเวลาเก็บ: {retention}\n"
    "• ติดต่อหน่วยงาน: {contact}\n"
    "• สิทธิของท่าน: ขอดูข้อมูล พิมพ์ \"ข้อมูลของฉัน\" ขอลบ พิมพ์ \"ลบข้อมูลของฉัน\"\n"
    "{more}"
)
PRIVACY_RETENTION = "ชื่อ เบอร์โทร รูปภาพ และตำแหน่ง เก็บไว้ {case_days} วันหลังปิดเรื่องหรือคืนของ แล้วลบค่ะ"
PRIVACY_RETENTION_OUTBOX = "ข้อความที่ระบบส่งถึงท่าน เก็บเนื้อหาไว้ {outbox_days} วันหลังส่ง"
PRIVACY_CONTACT_NONE = "เลือก \"ช่องทางติดต่อ\" จากเมนูค่ะ"
PRIVACY_MORE_LINK = "อ่านฉบับเต็มได้ที่ {url}"
PRIVACY_MORE_CHAT = "อ่านฉบับเต็ม พิมพ์ \"ความเป็นส่วนตัว\" ค่ะ"
PRIVACY_FULL_RETENTION_HEADING = "ระยะเวลาเก็บ"
PRIVACY_FULL_CONTACT_HEADING = "ติดต่อหน่วยงาน"
PRIVACY_PAGE_FOOTER = "ประกาศนี้เป็นของ{office}"
PRIVACY_PAGE_LABELS = {"purpose": "เก็บเพื่อ", "legal_basis": "ฐานทางกฎหมาย", "recipients": "ผู้ได้รับข้อมูล"}

MY_DATA_HEADER = "ข้อมูลของท่านที่{office}เก็บไว้ค่ะ"
MY_DATA_PROFILE = "บัญชี LINE ของท่าน: ติดต่อครั้งแรก {first} (เก็บรหัสผู้ใช้ LINE ไว้เพื่อตอบกลับ)"
MY_DATA_NAME = "ชื่อในระบบ: {name}"
MY_DATA_REPORTS = "เรื่องที่แจ้งโดยเปิดเผยชื่อ {count} เรื่อง"
MY_DATA_REPORT_LINE = "• {code} ({status}) เบอร์: {phone} รูป: {photos} ตำแหน่ง: {location} — {deletion}"
MY_DATA_LOANS = "คำขอยืม {count} รายการ"
MY_DATA_LOAN_LINE = "• {code} ({status}) ชื่อ: {name} เบอร์: {phone} — {deletion}"
MY_DATA_NONE_HELD = "ไม่มี"
MY_DATA_HELD = "มี"
MY_DATA_ERASED = "ลบแล้ว"
MY_DATA_DELETE_ON = "ลบชื่อ เบอร์ รูป และตำแหน่ง วันที่ {date}"
MY_DATA_DELETE_AFTER_CLOSE = "ลบเมื่อปิดเรื่องหรือคืนของแล้ว {days} วัน"
MY_DATA_MORE = "และอีก {count} รายการ"
MY_DATA_NO_CASES = "ไม่มีเรื่องร้องเรียนหรือคำขอยืมที่ผูกกับบัญชีของท่านค่ะ"
MY_DATA_ANONYMOUS_NOTE = "เรื่องที่แจ้งแบบไม่เปิดเผยชื่อ ไม่ได้ผูกกับบัญชีของท่าน จึงไม่แสดงที่นี่ค่ะ"
MY_DATA_ERASE_PENDING = "ท่านขอลบข้อมูลไว้แล้ว ระบบจะลบที่เหลือเมื่อคืนของครบค่ะ"
MY_DATA_FOOTER = "หากต้องการให้ลบ พิมพ์ \"ลบข้อมูลของฉัน\" ค่ะ"

ERASE_ASK = (
    "ยืนยันการลบข้อมูลของท่านไหมคะ\n"
    "ระบบจะลบชื่อ เบอร์โทร รูปภาพ ตำแหน่ง และข้อความที่คุยค้างไว้ทันที และเรื่องที่เคยแจ้งจะไม่ผูกกับบัญชีของท่านอีก "
    "จึงติดตามหรือรับแจ้งผลทาง LINE ไม่ได้แล้วค่ะ\n"
    "(เรื่องและคำขอยืมยังนับในสถิติของหน่วยงาน โดยไม่ระบุตัวท่าน)"
)
ERASE_BAD_ANSWER = "กรุณาเลือก \"ยืนยัน\" เพื่อลบข้อมูล หรือ \"ยกเลิก\" ค่ะ"
ERASE_DONE = "ลบข้อมูลของท่านเรียบร้อยแล้วค่ะ"
ERASE_KEPT_LOANS = (
    "ยกเว้นคำขอยืม {codes} ที่ยังไม่ได้คืน ต้องเก็บชื่อและเบอร์โทรไว้จนกว่าจะคืนของ "
    "เมื่อคืนแล้ว ระบบจะลบให้โดยอัตโนมัติค่ะ"
)
ERASED_NAME = "(ลบตามคำขอ)"
ERASED_PHONE = "-"
PRIVACY_ONE_TO_ONE = "เรื่องข้อมูลส่วนตัวทำได้ในแชตส่วนตัวกับบัญชีนี้เท่านั้นค่ะ กรุณาทักแชตส่วนตัวแล้วพิมพ์ \"ข้อมูลของฉัน\" นะคะ"

# Emergencies (bot/qa/emergency.py, bot/data/emergency.toml): the right number first, short, sure.
EMERGENCY_LEAD = {
    "medical": "🚑 เจ็บป่วยฉุกเฉิน โทร 1669 ทันทีค่ะ",
    "fire": "🔥 ไฟไหม้ โทร 199 ทันทีค่ะ",
    "police": "🚓 เหตุร้าย โทร 191 ทันทีค่ะ",
    "disaster": "🌊 สาธารณภัย โทร 1784 (ปภ.) ทันทีค่ะ",
}
EMERGENCY_NUMBERS = "เบอร์ฉุกเฉินอื่น: แพทย์ฉุกเฉิน 1669 · ดับเพลิง 199 · ตำรวจ 191 · ปภ. 1784"
EMERGENCY_OFFICE = "{label}: {value}"
EMERGENCY_CONTINUE = "เรื่องที่ทำค้างไว้ยังอยู่ค่ะ เมื่อปลอดภัยแล้วพิมพ์ต่อได้เลยนะคะ"
QR_CALL = "โทร {number}"

# -- the staff's web back-office (/admin/, bot/web) -----------------------------------------------------------
WEB_LOGIN_WORDS = ("เข้าระบบ", "เข้าสู่ระบบ", "ล็อกอิน", "login", "เข้าระบบหลังบ้าน", "ระบบหลังบ้าน", "เว็บเจ้าหน้าที่")
WEB_LOGIN_LINK = (
    "ลิงก์เข้าระบบงานเจ้าหน้าที่ของท่านค่ะ ใช้ได้ครั้งเดียว ภายใน {minutes} นาที\n{url}\n"
    "กรุณาอย่าส่งต่อลิงก์นี้ให้ผู้อื่นนะคะ"
)
WEB_LOGIN_NO_ADDRESS = (
    "ยังไม่ได้ตั้งค่าที่อยู่เว็บของระบบ (BOT_PUBLIC_URL) จึงส่งลิงก์เข้าระบบทาง LINE ไม่ได้ค่ะ "
    "กรุณาติดต่อผู้ดูแลระบบนะคะ"
)
WEB_LOGIN_STAFF_ONLY = "ระบบงานเจ้าหน้าที่ใช้ได้เฉพาะเจ้าหน้าที่ที่ลงทะเบียนแล้วค่ะ"

WEB = {
    "title": "ระบบงานเจ้าหน้าที่",
    "office": "องค์การบริหารส่วนตำบลดอนกลาง",
    "nav_reports": "เรื่องร้องเรียน",
    "nav_loans": "การยืมพัสดุ",
    "nav_calendar": "ปฏิทินการยืม",
    "nav_ledger": "สมุดคุม",
    "nav_downloads": "ดาวน์โหลดรายงาน",
    "nav_audit": "บันทึกการใช้งาน",
    "nav_staff": "เจ้าหน้าที่",
    "role": "บทบาท",
    "remove_staff": "นำออกจากเจ้าหน้าที่",
    "invite_title": "ออกรหัสลงทะเบียนเจ้าหน้าที่ใหม่",
    "invite_button": "ออกรหัส",
    "invite_code": "รหัสลงทะเบียน {code} (ใช้ได้ครั้งเดียว ภายใน 72 ชั่วโมง) ให้เจ้าหน้าที่พิมพ์ \"ลงทะเบียน {code}\" ในแชต LINE ค่ะ "
                   "รหัสนี้แสดงครั้งเดียว กรุณาจดไว้ค่ะ",
    "invite_problem": "ออกรหัสไม่ได้ กรุณาระบุชื่อ หน่วยงาน และบทบาทให้ครบค่ะ",
    "sign_out": "ออกจากระบบ",
    "signed_in_as": "{name} | {role} | {unit}",
    "sign_in_needed": "กรุณาเข้าระบบค่ะ",
    "sign_in_how": "พิมพ์ \"เข้าระบบ\" ในแชต LINE ของหน่วยงาน ระบบจะส่งลิงก์เข้าระบบที่ใช้ได้ครั้งเดียวให้ท่านค่ะ",
    "signed_out": "ออกจากระบบแล้วค่ะ",
    "session_ended": "หมดเวลาการใช้งาน กรุณาเข้าระบบใหม่ค่ะ",
    "link_title": "เข้าระบบงานเจ้าหน้าที่",
    "link_button": "เข้าระบบ",
    "link_bad": "ลิงก์นี้ใช้ไม่ได้แล้ว (ใช้ไปแล้ว หรือเกิน 10 นาที) กรุณาพิมพ์ \"เข้าระบบ\" ใน LINE เพื่อขอลิงก์ใหม่ค่ะ",
    "not_found": "ไม่พบหน้าที่ต้องการ หรือท่านไม่มีสิทธิ์ดูหน้านี้ค่ะ",
    "forbidden": "ท่านไม่มีสิทธิ์ใช้หน้านี้ค่ะ",
    "bad_form": "แบบฟอร์มหมดอายุ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้งค่ะ",
    "back": "กลับ",
    "filter": "กรอง",
    "all": "ทั้งหมด",
    "open_only": "ยังไม่เสร็จ",
    "unit": "หน่วยงาน",
    "status": "สถานะ",
    "category": "ประเภท",
    "age": "ค้างเกิน (วัน)",
    "code": "เลขที่",
    "created": "วันที่แจ้ง",
    "details": "รายละเอียด",
    "reporter": "ผู้แจ้ง",
    "reporter_name": "ชื่อ",
    "anonymous": FB_WHO_ANONYMOUS,
    "phone": "โทรศัพท์",
    "photos": "รูปภาพ",
    "photo_n": "รูปที่ {n}",
    "location": "ตำแหน่ง",
    "open_map": "เปิดในแผนที่",
    "history": "ความเคลื่อนไหว",
    "closing_note": "สรุปผลการดำเนินการ",
    "rating": "คะแนนความพึงพอใจ",
    "no_reports": "ไม่มีเรื่องตามเงื่อนไขนี้ค่ะ",
    "actions": "ดำเนินการ",
    "acknowledge": "รับเรื่อง",
    "in_progress": "กำลังดำเนินการ",
    "done": "เสร็จสิ้น (แจ้งผลถึงผู้แจ้ง)",
    "done_note_hint": "สรุปผลการดำเนินการ (ข้อความนี้จะแจ้งถึงผู้แจ้งด้วย)",
    "forward": "ส่งต่อ",
    "forward_to": "ส่งต่อไปยัง",
    "note_required": "กรุณาพิมพ์สรุปผลการดำเนินการค่ะ",
    "days_waiting": "{days} วัน",
    "loans_to_act": "รายการที่ต้องดำเนินการ",
    "loans_recent": "รายการล่าสุด",
    "no_loans": "ไม่มีรายการค่ะ",
    "item": "รายการ",
    "quantity": "จำนวน",
    "dates": "ช่วงวันที่ยืม",
    "purpose": "วัตถุประสงค์",
    "borrower": "ผู้ยืม",
    "approve": "อนุมัติ",
    "reject": "ไม่อนุมัติ",
    "reject_reason": "เหตุผลที่ไม่อนุมัติ",
    "reason_required": "กรุณาระบุเหตุผลที่ไม่อนุมัติ (2-200 ตัวอักษร) ค่ะ",
    "hand_over": "ส่งมอบแล้ว",
    "take_back": "รับคืน",
    "condition": "สภาพ",
    "return_note": "หมายเหตุการรับคืน",
    "week_of": "สัปดาห์ที่เริ่ม {start}",
    "prev_week": "‹ สัปดาห์ก่อน",
    "next_week": "สัปดาห์ถัดไป ›",
    "held_of": "มีทั้งหมด {n}",
    "pending_marker": "รอ",
    "ledger_title": "สมุดคุมการให้ยืม-คืนพัสดุ ปีงบประมาณ {fy}",
    "print": "พิมพ์",
    "fiscal_year": "ปีงบประมาณ",
    "show": "แสดง",
    "downloads_title": "รายงานประจำปีงบประมาณ",
    "report_measures": "ผลการดำเนินการตามมาตรการ",
    "report_complaints": "สรุปเรื่องร้องเรียน",
    "report_loans": "การยืม-คืนพัสดุ (สถิติ รายเดือน สมุดคุม)",
    "audit_title": "บันทึกการใช้งานระบบ",
    "when": "เวลา",
    "who": "ผู้ใช้",
    "action": "การกระทำ",
    "target": "รายการ",
    "saved": "บันทึกแล้วค่ะ",
    "pushed_note": "ระบบแจ้งผู้แจ้งทาง LINE แล้วค่ะ",
    "already": "รายการนี้มีสถานะ \"{status}\" อยู่แล้ว ไม่ได้เปลี่ยนแปลงค่ะ",
    "not_enough": "อนุมัติไม่ได้: ช่วงวันดังกล่าว{name}เหลือว่าง {free} ค่ะ",
    "return_invalid": "จำนวนชำรุดและสูญหายรวมกันต้องไม่เกินจำนวนที่ยืมไปค่ะ",
    "return_hint": "ของคืนครบสภาพดีกดรับคืนได้เลย หากมีชำรุดหรือสูญหายให้กรอกจำนวนของรายการนั้นค่ะ",
    "damaged": "ชำรุด",
    "lost": "สูญหาย",
    "return_note_all": "หมายเหตุการคืน (ถ้ามี)",
    "nav_assets": "พัสดุให้ยืม",
    "assets_title": "รายการพัสดุให้ยืม",
    "assets_file_note": "ข้อมูลตั้งต้นอยู่ในไฟล์ bot/data/assets.toml: คำสั่ง seed จะเขียนค่าจากไฟล์ทับค่าที่แก้ในหน้านี้ "
                        "กรุณาแก้ไฟล์ให้ตรงกันด้วยนะคะ",
    "asset_max_days": "ยืมได้นานสุด (วัน)",
    "asset_lead_days": "ขอล่วงหน้าอย่างน้อย (วัน)",
    "asset_edit": "แก้ไข",
    "asset_save": "บันทึก",
    "asset_history": "ประวัติการแก้ไข",
    "asset_no_history": "ยังไม่มีการแก้ไขค่ะ",
    "asset_bad_number": "กรุณากรอกตัวเลข: จำนวน {q}, ยืมได้นานสุด {m} วัน, ขอล่วงหน้า {l} วันค่ะ",
    "year_reports_title": "รายงานประจำปีงบประมาณ {fy}",
    "year_reports_link": "ดูตารางรายงานบนหน้าเว็บ",
    "year_reports_chart": "แผนภูมิการให้ยืมพัสดุรายเดือน",
    "nav_measures": "มาตรการ",
    "measures_title": "การดำเนินการตามมาตรการ ปีงบประมาณ {fy}",
    "measure_period": "ช่วงเวลา",
    "measure_responsible": "ผู้รับผิดชอบ",
    "measure_progress": "ทำแล้ว {done} จาก {due} ครั้งที่ถึงกำหนด",
    "measure_task": "งาน",
    "measure_due": "กำหนด",
    "measure_note": "บันทึก",
    "measure_no_reminders": "ยังไม่มีงานที่ถึงกำหนดในปีงบประมาณนี้ค่ะ",
    "asset_overbooked": "ลดจำนวนเหลือ {new} ไม่ได้ค่ะ วันที่ {day} มีการจองหรือยืมอยู่ {held} {unit} "
                        "โดยคำขอ {loans} กรุณาให้รายการเหล่านี้ไม่อนุมัติ ยกเลิก หรือรับคืนก่อนนะคะ",
    "nav_unanswered": "คำถามที่ตอบไม่ได้",
    "unanswered_title": "คำถามที่บอทตอบไม่ได้",
    "unanswered_note": "ระบบเก็บเฉพาะข้อความคำถาม ไม่เก็บว่าใครถามค่ะ สอนแล้วบอทจะตอบได้ตั้งแต่คำถามถัดไปนะคะ",
    "to_teach": "รอสอน ({n} คำถาม)",
    "taught": "สอนแล้ว ({n} คำถาม)",
    "question": "คำถาม",
    "times_asked": "จำนวนครั้ง",
    "first_asked": "ถามครั้งแรก",
    "last_asked": "ถามล่าสุด",
    "closest_entry": "หัวข้อที่ใกล้ที่สุด",
    "teach_to": "ตอบด้วยหัวข้อ",
    "teach": "สอน",
    "teach_out_of_scope": "ไม่ใช่งานของ อบต.",
    "taught_to": "สอนให้ตอบด้วย",
    "out_of_scope_name": "ไม่ใช่งานของ อบต. (ไม่ตอบ)",
    "untaught": "ยกเลิกการสอน",
    "nothing_to_teach": "ไม่มีคำถามที่รอสอนค่ะ",
    "taught_note": "สอนแล้วค่ะ บอทจะตอบคำถามนี้ได้ตั้งแต่ครั้งถัดไปนะคะ",
    "untaught_note": "ยกเลิกการสอนแล้วค่ะ",
    "teach_failed": "สอนไม่ได้ค่ะ กรุณาลองใหม่อีกครั้งนะคะ",
    "month_view": "ดูรายเดือน",
    "week_view": "ดูรายสัปดาห์",
    "prev_month": "‹ เดือนก่อน",
    "next_month": "เดือนถัดไป ›",
    "day": "วันที่",
}

# A reminder's due time as /admin/measures shows it (models.OccurrenceStatus: sent is still to do).
OCCURRENCE_STATUS_NAMES = {
    "done": "ทำแล้ว",
    "missed": "พลาด (ระบบไม่ได้ส่งเตือนตามเวลา)",
    "snoozed": "เลื่อนไว้",
    "sent": "รอดำเนินการ",
}
