// Contract section 1, rule by rule: each with a valid and an invalid side. Pure, no layers.
import { assert, describe, it } from "@effect/vitest"
import { CsvReader, type CsvRecord, LineSplitter, parseRecord } from "../../src/domain/Csv.ts"
import { BatchBuilder, invalidKeyOf, prepareRow } from "../../src/domain/ImportBatch.ts"
import { brazilToday, calendarDate, type RawRow, validateRow } from "../../src/domain/Lead.ts"

const today = calendarDate("2026-12-03")

const base: RawRow = {
  name: "Mauricio Matsoui",
  cpf: "378.457.608-70",
  email: "mauricio.matsoui@redealumni.com",
  birthday: "1989-08-31",
  gender: "M",
  area_code: "11",
  phone_number: "975405666",
  rg: "20000000",
  cep: "12243-740",
  street: "Rua Pedro de Toledo",
  number: "48",
  city: "São José dos Campos",
  state: "SP",
  course_name: "ADMINISTRACAO",
  course_type: "GRADUACAO",
  modality: "EAD",
  unit_id: "101",
  monthly_price: "249.90",
  captation_period: "20271"
}

const codes = (row: Partial<RawRow>) => {
  const v = validateRow({ ...base, ...row }, today)
  return v._tag === "Valid" ? [] : v.reasons.map((r) => r.code)
}
const lead = (row: Partial<RawRow>) => {
  const v = validateRow({ ...base, ...row }, today)
  if (v._tag !== "Valid") throw new Error(`expected valid, got ${JSON.stringify(v.reasons)}`)
  return v.lead
}
const valid = (row: Partial<RawRow>) => assert.deepStrictEqual(codes(row), [])
const invalid = (row: Partial<RawRow>, code: string) => assert.deepStrictEqual(codes(row), [code])

describe("validateRow", () => {
  it("a complete row is a typed lead with plain values", () => {
    assert.deepStrictEqual(lead({}), {
      name: "Mauricio Matsoui",
      cpf: "37845760870",
      email: "mauricio.matsoui@redealumni.com",
      birthday: "1989-08-31",
      gender: "M",
      areaCode: "11",
      phoneNumber: "975405666",
      rg: "20000000",
      cep: "12243740",
      street: "Rua Pedro de Toledo",
      number: "48",
      city: "São José dos Campos",
      state: "SP",
      courseName: "ADMINISTRACAO",
      courseType: "GRADUACAO",
      modality: "EAD",
      unitId: 101,
      monthlyPrice: "249.90",
      captationPeriod: 20271
    })
  })

  it("name: required, trimmed, 2..150 characters", () => {
    assert.strictEqual(lead({ name: "  Ana Lu  " }).name, "Ana Lu")
    valid({ name: "Lu" })
    valid({ name: "Á".repeat(150) })
    invalid({ name: "   " }, "name_missing")
    invalid({ name: "A" }, "name_length")
    invalid({ name: "a".repeat(151) }, "name_length")
  })

  it("cpf: with or without punctuation, stored as 11 digits", () => {
    assert.strictEqual(lead({ cpf: "37845760870" }).cpf, "37845760870")
    assert.strictEqual(lead({ cpf: " 378.457.608-70 " }).cpf, "37845760870")
    invalid({ cpf: "" }, "cpf_missing")
    invalid({ cpf: "3784576087" }, "cpf_format")
    invalid({ cpf: "378.457.608-7a" }, "cpf_format")
  })

  it("cpf: check digits must be valid", () => {
    valid({ cpf: "529.982.247-25" })
    invalid({ cpf: "378.457.608-71" }, "cpf_check_digits")
    invalid({ cpf: "37845760880" }, "cpf_check_digits")
  })

  it("cpf: all-equal digits are invalid", () => {
    invalid({ cpf: "111.111.111-11" }, "cpf_repeated_digits")
    invalid({ cpf: "00000000000" }, "cpf_repeated_digits")
  })

  it("email: required and syntactically valid", () => {
    valid({ email: "a.b+c@sub.example.com.br" })
    invalid({ email: "" }, "email_missing")
    invalid({ email: "maria@" }, "email_invalid")
    invalid({ email: "maria silva@example.com" }, "email_invalid")
  })

  it("birthday: YYYY-MM-DD or DD/MM/YYYY, a real date", () => {
    assert.strictEqual(lead({ birthday: "31/08/1989" }).birthday, "1989-08-31")
    assert.strictEqual(lead({ birthday: "2000-02-29" }).birthday, "2000-02-29")
    invalid({ birthday: "" }, "birthday_missing")
    invalid({ birthday: "1989/08/31" }, "birthday_format")
    invalid({ birthday: "31/02/2001" }, "birthday_format")
    invalid({ birthday: "2001-02-29" }, "birthday_format")
    invalid({ birthday: "8/3/1989" }, "birthday_format")
  })

  it("birthday: not before 1900-01-01, not in the future", () => {
    valid({ birthday: "1900-01-01" })
    invalid({ birthday: "1899-12-31" }, "birthday_before_1900")
    invalid({ birthday: "2026-12-04" }, "birthday_future")
  })

  it("birthday: at least 14 years old on the injected today", () => {
    valid({ birthday: "2012-12-03" })
    invalid({ birthday: "2012-12-04" }, "birthday_under_14")
    invalid({ birthday: "2026-12-03" }, "birthday_under_14")
    // the same row is valid a day later: today is a parameter, nothing reads the system clock
    assert.strictEqual(validateRow({ ...base, birthday: "2012-12-04" }, calendarDate("2026-12-04"))._tag, "Valid")
  })

  it("today in Brazil is UTC-3", () => {
    assert.deepStrictEqual(brazilToday(Date.parse("2026-12-04T02:59:00Z")), { year: 2026, month: 12, day: 3 })
    assert.deepStrictEqual(brazilToday(Date.parse("2026-12-04T03:00:00Z")), { year: 2026, month: 12, day: 4 })
  })

  it("gender: M, F or empty (empty means to be inferred)", () => {
    assert.strictEqual(lead({ gender: "F" }).gender, "F")
    assert.strictEqual(lead({ gender: "m" }).gender, "M")
    assert.strictEqual(lead({ gender: "" }).gender, null)
    const { gender: _, ...withoutColumn } = base
    assert.strictEqual(validateRow(withoutColumn, today)._tag, "Valid")
    invalid({ gender: "X" }, "gender_invalid")
    invalid({ gender: "Masculino" }, "gender_invalid")
  })

  it("area_code: 2 digits, 11..99", () => {
    valid({ area_code: "99" })
    assert.strictEqual(lead({ area_code: "(21)" }).areaCode, "21")
    invalid({ area_code: "" }, "area_code_missing")
    invalid({ area_code: "10" }, "area_code_invalid")
    invalid({ area_code: "01" }, "area_code_invalid")
    invalid({ area_code: "100" }, "area_code_invalid")
  })

  it("phone_number: 8 or 9 digits after removing punctuation", () => {
    assert.strictEqual(lead({ phone_number: "97540-5666" }).phoneNumber, "975405666")
    assert.strictEqual(lead({ phone_number: "3456 7890" }).phoneNumber, "34567890")
    invalid({ phone_number: "" }, "phone_number_missing")
    invalid({ phone_number: "1234567" }, "phone_number_invalid")
    invalid({ phone_number: "9754056661" }, "phone_number_invalid")
    invalid({ phone_number: "9754O5666" }, "phone_number_invalid")
  })

  it("rg: required free text, 1..20 characters", () => {
    valid({ rg: "7" })
    valid({ rg: "MG-12.345.678 SSP/MG" })
    invalid({ rg: "" }, "rg_missing")
    invalid({ rg: "1".repeat(21) }, "rg_length")
  })

  it("cep: 8 digits after removing punctuation", () => {
    assert.strictEqual(lead({ cep: "12243740" }).cep, "12243740")
    assert.strictEqual(lead({ cep: "12.243-740" }).cep, "12243740")
    invalid({ cep: "" }, "cep_missing")
    invalid({ cep: "1224374" }, "cep_invalid")
    invalid({ cep: "12243-74O" }, "cep_invalid")
  })

  it("street, number, city: required (number is free text)", () => {
    assert.strictEqual(lead({ number: "S/N" }).number, "S/N")
    invalid({ street: "" }, "street_missing")
    invalid({ number: " " }, "number_missing")
    invalid({ city: "" }, "city_missing")
  })

  it("state: one of the 27 UFs", () => {
    valid({ state: "DF" })
    valid({ state: "to" })
    invalid({ state: "" }, "state_missing")
    invalid({ state: "XX" }, "state_invalid")
    invalid({ state: "São Paulo" }, "state_invalid")
  })

  it("course_name, course_type, modality: required", () => {
    invalid({ course_name: "" }, "course_name_missing")
    invalid({ course_type: "" }, "course_type_missing")
    invalid({ modality: "" }, "modality_missing")
  })

  it("unit_id and captation_period: positive integers", () => {
    assert.strictEqual(lead({ unit_id: "1" }).unitId, 1)
    invalid({ unit_id: "0" }, "unit_id_invalid")
    invalid({ unit_id: "-3" }, "unit_id_invalid")
    invalid({ unit_id: "1.5" }, "unit_id_invalid")
    invalid({ unit_id: "abc" }, "unit_id_invalid")
    invalid({ unit_id: "99999999999" }, "unit_id_invalid")
    invalid({ captation_period: "" }, "captation_period_invalid")
    invalid({ captation_period: "2027.1" }, "captation_period_invalid")
  })

  it("monthly_price: a decimal with a dot, >= 0", () => {
    valid({ monthly_price: "0" })
    valid({ monthly_price: "899" })
    valid({ monthly_price: "1049.5" })
    invalid({ monthly_price: "" }, "monthly_price_invalid")
    invalid({ monthly_price: "249,90" }, "monthly_price_invalid")
    invalid({ monthly_price: "-1" }, "monthly_price_invalid")
    invalid({ monthly_price: "249.999" }, "monthly_price_invalid")
  })

  it("collects every reason of a row, each a stable code with a message that never holds the value", () => {
    const row = { ...base, cpf: "111.111.111-11", email: "maria@", phone_number: "12", state: "XX", birthday: "" }
    const v = validateRow(row, today)
    assert.strictEqual(v._tag, "Invalid")
    if (v._tag !== "Invalid") return
    assert.deepStrictEqual(v.reasons.map((r) => `${r.field}:${r.code}`), [
      "cpf:cpf_repeated_digits",
      "email:email_invalid",
      "birthday:birthday_missing",
      "phone_number:phone_number_invalid",
      "state:state_invalid"
    ])
    const text = JSON.stringify(v.reasons)
    for (const value of ["111.111.111-11", "11111111111", "maria@", "\"12\""]) assert.notInclude(text, value)
    assert.strictEqual(v.cpf, undefined)
  })

  it("an invalid row with a valid CPF carries the CPF (it is keyed by it)", () => {
    const v = validateRow({ ...base, email: "" }, today)
    assert.strictEqual(v._tag === "Invalid" ? v.cpf : "valid?", "37845760870")
  })
})

describe("prepareRow and BatchBuilder", () => {
  it("keys a row by CPF, or by a hash of its raw fields that does not depend on column order", () => {
    assert.strictEqual(prepareRow(base, 2, today).key, "c:37845760870")
    const broken = { ...base, cpf: "123" }
    const reordered = Object.fromEntries(Object.entries(broken).reverse())
    assert.strictEqual(invalidKeyOf(broken), invalidKeyOf(reordered))
    assert.strictEqual(prepareRow(broken, 2, today).key, `k:${invalidKeyOf(broken)}`)
    assert.notStrictEqual(invalidKeyOf(broken), invalidKeyOf({ ...broken, name: "Outra" }))
  })

  it("the later line wins, but an invalid row never replaces a valid one", () => {
    const b = new BatchBuilder()
    b.add(prepareRow(base, 2, today))
    b.add(prepareRow({ ...base, cpf: "37845760870", city: "Jacareí" }, 3, today))
    b.add(prepareRow({ ...base, email: "" }, 4, today))
    const { batch, superseded } = b.take()
    assert.deepStrictEqual(superseded, [2, 4])
    assert.deepStrictEqual([batch.line, batch.city, batch.status], [[3], ["Jacareí"], ["to_sync"]])
    assert.strictEqual(b.size, 0)
  })
})

describe("CSV reading", () => {
  const read = (chunks: ReadonlyArray<string>) => {
    const reader = new CsvReader(5)
    const out: Array<CsvRecord> = []
    for (const c of chunks) reader.push(c, (r) => out.push(r))
    reader.end((r) => out.push(r))
    return out
  }

  it("RFC 4180 fields: quotes, escaped quotes, commas, empty fields", () => {
    assert.deepStrictEqual(parseRecord("a,,\"b,c\",\"say \"\"hi\"\"\","), ["a", "", "b,c", "say \"hi\"", ""])
    assert.deepStrictEqual(parseRecord(""), [""])
  })

  it("records across chunk boundaries, CRLF, BOM, blank lines, line breaks inside quotes; start lines", () => {
    const text = "\uFEFFh1,h2\r\n1,2\r\n\r\n\"x\ny\",3\n4,\"5\"\n6,7"
    const expected = [
      { fields: ["h1", "h2"], line: 1 },
      { fields: ["1", "2"], line: 2 },
      { fields: ["x\ny", "3"], line: 4 },
      { fields: ["4", "5"], line: 6 },
      { fields: ["6", "7"], line: 7 }
    ]
    assert.deepStrictEqual(read([text]), expected)
    // every split point gives the same records
    for (let i = 1; i < text.length; i++) assert.deepStrictEqual(read([text.slice(0, i), text.slice(i)]), expected)
  })

  it("a quote never closed is an error naming its line", () => {
    assert.throws(() => read(["a,b\n\"open,1\n2,3\n"]), /line 2/)
    assert.throws(() => read(["a\n\"x\n\n\n\n\n\n\n"]), /not closed within 5 lines/)
  })

  it("LineSplitter keeps an unfinished line for the next chunk", () => {
    const lines: Array<string> = []
    const s = new LineSplitter()
    s.push("ab", (l) => lines.push(l))
    s.push("c\r\nd", (l) => lines.push(l))
    s.end((l) => lines.push(l))
    assert.deepStrictEqual(lines, ["abc", "d"])
  })
})
