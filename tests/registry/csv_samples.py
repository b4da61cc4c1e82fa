"""CSV files for the import tests, written as bytes so encodings are exact."""

HEADER = (
    "hospital_number,name,birth_date,sex,region,diagnosis_date,topography,morphology,behaviour,"
    "basis_of_diagnosis,stage_tumour,stage_tier,stage_value,vital_status,last_contact"
)
ROWS = [
    "BN24-00101,Nguyễn Văn An,2019-03-14,male,Bắc Ninh,2024-02-01,C74.9,9500,3,7,"
    "neuroblastoma,2,L2,alive,2026-06-01",
    "BN24-00102,Trần Thị Mai,2016-07-30,F,Hà Nội,2024-03-11,C42.1,9836,3,5,"
    "all,2,CNS1,alive,2026-05-20",
    "BN24-00103,Lê Minh Dũng,2021-01-02,M,Nam Định,2024-05-06,C64.9,8960,3,7,"
    "wilms,2,III,alive,2026-04-02",
]


def csv_bytes(rows=None, header=HEADER, *, separator=",", encoding="utf-8", bom=False) -> bytes:
    lines = [header, *(ROWS if rows is None else rows)]
    if separator != ",":
        lines = [line.replace(",", separator) for line in lines]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
