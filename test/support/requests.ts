/** Valid request bodies for tests; override any field. */
export function incidentBody(overrides: Record<string, unknown> = {}, incident: Record<string, unknown> = {}) {
  return {
    kind: 'incident_response',
    title: 'Ransomware on customs and tax systems',
    description: 'Customs and tax systems encrypted; operations halted since this morning.',
    actionArea: 'countering_threats',
    amountRequested: 2_500_000,
    incident: { severity: 'critical', ongoing: true, detectedAt: '2026-11-27T08:00:00Z', sectors: ['government', 'finance'], ...incident },
    ...overrides,
  };
}

export function capacityBody(overrides: Record<string, unknown> = {}, capacity: Record<string, unknown> = {}) {
  return {
    kind: 'capacity_building',
    title: 'National CSIRT staffing',
    description: 'Stand up and staff a national CSIRT over the next two years.',
    actionArea: 'partner_capacity',
    amountRequested: 3_000_000,
    capacity: {
      durationMonths: 24,
      sectors: ['telecom'],
      milestones: [
        { title: 'CSIRT staffed', amount: 1_000_000 },
        { title: 'CSIRT operational', amount: 2_000_000 },
      ],
      ...capacity,
    },
    ...overrides,
  };
}
