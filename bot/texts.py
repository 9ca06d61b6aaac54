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
