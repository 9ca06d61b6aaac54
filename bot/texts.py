"""Everything a citizen or a clerk reads, in one polite voice, in one place for review.

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
FALLBACK = (
    "ขออภัยค่ะ ยังไม่เข้าใจคำถามนี้ ลองพิมพ์ให้สั้นลง หรือเลือกจากเมนูด้านล่างได้เลยค่ะ"
)

MEASURES_HEADER = "มาตรการส่งเสริมคุณธรรมและความโปร่งใสของ{office} ปีงบประมาณ {fiscal_year} มี {count} มาตรการค่ะ"
MEASURES_FOOTER = "แตะหมายเลขด้านล่างเพื่อดูรายละเอียดของแต่ละมาตรการได้ค่ะ"
MEASURES_MISSING = "ขออภัยค่ะ ระบบยังไม่มีข้อมูลมาตรการ เจ้าหน้าที่กำลังนำเข้าข้อมูล โปรดลองใหม่ภายหลังค่ะ"
MEASURE_NOT_FOUND = "ขออภัยค่ะ ไม่พบมาตรการที่ {number} มีมาตรการที่ 1 ถึง {count} ค่ะ"
MEASURE_DETAIL = (
    "มาตรการที่ {number}: {title}\n\n"
    "ขั้นตอนหรือวิธีปฏิบัติ\n{steps}\n\n"
    "ช่วงเวลา: {period}\n"
    "ผู้รับผิดชอบ: {responsible}\n\n"
    "ผลการดำเนินการ\n{results}\n\n"
    "ผลลัพธ์\n{outcomes}"
)

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
NOTHING_TO_CANCEL = "ขณะนี้ไม่มีรายการที่ทำค้างอยู่ค่ะ"

# Quick-reply labels: at most 20 characters each (LINE's limit).
QR_MENU = "เมนู"
QR_MEASURES = "มาตรการ 7 ข้อ"
QR_CONTACT = "ช่องทางติดต่อ"
QR_CANCEL = "ยกเลิก"
QR_MEASURE_N = "มาตรการที่ {number}"

# Words that mean the same command wherever they are typed (compared with bot.thai.match_key).
CANCEL_WORDS = ("ยกเลิก", "cancel", "เลิก", "ไม่เอาแล้ว")
MENU_WORDS = ("เมนู", "menu", "help", "ช่วยเหลือ", "เมนูหลัก", "กลับเมนู")

# Console rendering of what would be sent (terminal chat and console mode).
CONSOLE_QUICK_REPLY_HINT = "พิมพ์หมายเลขเพื่อเลือก"
CONSOLE_PUSH_TO = "ส่งถึง {to}"

# --- Staff registration (handlers/staff.py) ------------------------------------------------------
REGISTER_HOW = "หากท่านเป็นเจ้าหน้าที่ กรุณาพิมพ์ \"ลงทะเบียน\" ตามด้วยรหัสที่ได้รับจากผู้ดูแลระบบ เช่น ลงทะเบียน ABCD-2345 ค่ะ"
REGISTER_OK = "ลงทะเบียนเรียบร้อยแล้วค่ะ คุณ{name} เป็น{role}ของ{unit} จะได้รับการแจ้งเตือนงานของหน่วยงานทาง LINE นี้"
REGISTER_WRONG = "ขออภัยค่ะ รหัสไม่ถูกต้อง กรุณาตรวจสอบรหัสอีกครั้ง หรือขอรหัสใหม่จากผู้ดูแลระบบ"
REGISTER_EXPIRED = "ขออภัยค่ะ รหัสนี้หมดอายุแล้ว กรุณาขอรหัสใหม่จากผู้ดูแลระบบ"
REGISTER_USED = "ขออภัยค่ะ รหัสนี้ถูกใช้ไปแล้ว รหัสใช้ได้ครั้งเดียว กรุณาขอรหัสใหม่จากผู้ดูแลระบบ"
REGISTER_THROTTLED = "ขออภัยค่ะ กรอกรหัสผิดหลายครั้ง กรุณารอ 15 นาทีแล้วลองใหม่ หรือติดต่อผู้ดูแลระบบ"
ROLE_NAMES = {"staff": "เจ้าหน้าที่", "head": "หัวหน้าหน่วยงาน", "admin": "ผู้ดูแลระบบ"}
REGISTER_WORDS = ("ลงทะเบียน", "ลงทะเบียนเจ้าหน้าที่", "register")

# --- Reminders (handlers/reminders.py, bot/scheduler.py) ----------------------------------------
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
