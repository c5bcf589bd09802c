import { describe, expect, it } from "vitest"
import { firstName } from "../../src/domain/FirstName.ts"

describe("firstName", () => {
  it.each([
    ["Maria da Silva", "maria"],
    ["  JOÃO   Pedro  ", "joao"],
    ["\tJosé\u00a0Carlos\n", "jose"],
    ["Ana-Júlia Souza", "ana"],
    ["-Ana Souza", "ana"],
    ["Thaís", "thais"],
    ["Conceição", "conceicao"],
    ["Érica Müller", "erica"],
    ["D'Ávila Santos", "davila"],
    ["Jo’ana Lima", "joana"],
    ["Joana D'Arc", "joana"],
    ["de Souza Maria", "souza"],
    ["Dr. João Silva", "joao"],
    ["Dra.Maria", "maria"],
    ["Sra Ana", "ana"],
    ["Maria2 Silva", "maria"],
    ["Łukasz", "lukasz"],
    ["Dos", "dos"],
    ["Dr.", "dr"],
    ["", ""],
    ["   ", ""],
    ["123 ---", ""],
    ["李 Wei", "wei"]
  ])("%j -> %j", (full, expected) => {
    expect(firstName(full)).toBe(expected)
  })
})
