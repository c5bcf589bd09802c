// allJobs: the product's graph. fixData (IBGE), syncCourses (catalog) and the checker (Kroton) spend different
// budgets, so they run together; register waits for the three; a follow-up of what register sent runs last.
import { checker, followUpAfterRegister } from "../actions/checker.ts"
import { fixData } from "../actions/fixData.ts"
import { register } from "../actions/register.ts"
import { syncCourses } from "../actions/syncCourses.ts"
import { makeDagOrThrow, node } from "./Node.ts"

export const allJobsDag = makeDagOrThrow([
  node({
    name: "fixData",
    upstream: [],
    budget: "ibge",
    description: "infer a missing gender from IBGE census first names",
    run: fixData
  }),
  node({
    name: "syncCourses",
    upstream: [],
    budget: "catalog",
    description: "find two matching offers in Kroton's catalog",
    run: syncCourses
  }),
  node({
    name: "checker",
    upstream: [],
    budget: "kroton",
    description: "ask Kroton what it knows by CPF: ready leads, then follow-ups",
    run: checker
  }),
  node({
    name: "register",
    upstream: ["fixData", "syncCourses", "checker"],
    budget: "kroton",
    description: "post ready leads to Kroton's vestibular",
    run: register
  }),
  node({
    name: "followUp",
    upstream: ["register"],
    // the same action as checker: one lease, so the two never run at once
    lease: "checker",
    budget: "kroton",
    description: "follow the inscriptions register just sent",
    run: followUpAfterRegister
  })
])
