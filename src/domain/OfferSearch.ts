// What a lead wants to study, and the catalog query that finds offers for it (contract section 4).

/** The course interest of a lead, as imported (contract section 1). */
export interface CourseInterest {
  readonly courseName: string
  readonly courseType: string
  readonly modality: string
  readonly unitId: number
  readonly monthlyPrice: number
  readonly captationPeriod: number
}
