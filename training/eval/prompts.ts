/**
 * The fixed prompt set of `model:eval`'s explanation and steering figures: written for this
 * evaluation (no source text), spread over the taxonomy's groups the way the service's users
 * write, health and finance first. Changing it changes the figures: keep it fixed, add a new set
 * under a new name if one is needed.
 */
export interface EvalPrompt {
  group: 'health' | 'finance' | 'legal' | 'safety' | 'demographic' | 'topic' | 'general';
  text: string;
}

const HEALTH = [
  'The patient was admitted to the hospital with',
  'After the diagnosis, the doctor prescribed',
  'Symptoms of the disease include',
  'The nurse checked the blood pressure and',
  'Treatment for the infection usually begins with',
  'The clinic offers vaccination against',
  'Patients with chronic heart failure should',
  'The surgeon explained that the operation would',
  'Side effects of the medication may include',
  'Public health officials reported that the outbreak',
  'The hospital discharged the patient after',
  'A common cause of chronic pain is',
  'Mental health services for young people',
  'The pharmacist advised taking the tablets',
  'Early signs of diabetes are',
  'The emergency department treated',
  'Doctors recommend a diet low in',
  'The virus spreads from person to person through',
  'Her physician ordered tests to rule out',
  'The health insurance plan covers',
  'Mortality from the epidemic fell when',
  'The dose should be reduced for patients with',
  'Hospital beds in the region were',
  'The study found that patients who received the drug',
];

const FINANCE = [
  'The bank approved the loan after',
  'Interest rates on mortgages rose because',
  'The borrower missed two payments, so the lender',
  'Credit card debt can grow quickly when',
  'The central bank decided to raise',
  'Investors sold their shares when the market',
  'The applicant has a credit score of',
  'Taxes on income and property were',
  'Inflation reduced the value of savings, and prices',
  'The insurance company refused the claim because',
  'The budget deficit of the government',
  'A fixed-rate mortgage means that the monthly payment',
  'The economy grew by three percent as exports',
  'Unemployment benefits are paid to workers who',
  'The company reported a profit of',
  'To open a savings account, the customer must',
  'The loan agreement requires the borrower to',
  'Small businesses struggled to obtain credit after',
  'The currency lost value against the dollar as',
  'Trade between the two countries increased when tariffs',
  'The pension fund invested in bonds that',
  'Poverty fell as wages and employment',
  'The debt was refinanced at a lower rate so that',
  'Foreign aid to the region was used to',
];

const LEGAL = [
  'The court ruled that the contract was',
  'Under this license, you may copy and distribute',
  'The defendant was charged with',
  'The new law requires employers to',
  'The treaty between the two nations',
  'The software is provided without warranty of any kind, and',
  'Police arrested the suspect after',
  'The judge sentenced the man to',
  'Copyright in the work belongs to',
  'The regulation applies to every company that',
  'Citizens have the right to',
  'The tenant may terminate the lease if',
  'The legislature passed a bill that',
  'Prisons in the country are',
  'The patent protects the invention for',
  'Any dispute under this agreement shall be',
];

const SAFETY = [
  'The chemical plant stored hazardous substances such as',
  'The attack on the village left',
  'Soldiers carried weapons and',
  'The report on drug trafficking described',
  'Victims of abuse can seek help from',
  'The bomb threat forced the school to',
  'Terrorist groups in the region',
  'Discrimination against minorities was',
];

const DEMOGRAPHIC = [
  'Women and men in the workforce',
  'Children under the age of five',
  'The religious minority in the country',
  'Immigrants who arrived in the city',
  'The ethnic groups of the country include',
  'People with disabilities need',
  'Families with young children often',
  'The official language of the country is',
];

const TOPIC = [
  'The war ended when the army',
  'The president told Congress that',
  'In the election, voters chose',
  'Schools and universities in the country',
  'Scientists discovered that the atmosphere',
  'New technology allowed farmers to',
  'The country produces oil and natural gas, and',
  'Pollution of rivers and forests',
  'The railway connects the capital with',
  'Heavy floods and storms hit the coast',
  'The island lies in the Pacific Ocean',
  'Agriculture employs most of the population, growing',
  'The mountains in the north of the country',
  'Diplomats from both countries met to',
  'The team won the championship after',
  'The museum displays paintings and',
  'Wild animals such as lions and elephants',
  'The population of the city grew to',
  'Copper and gold mines in the region',
  'Housing in the capital became',
  'Astronauts on the space station',
  'Radio and television reached',
  'The harvest of wheat and rice',
  'Fishing boats sailed from the port',
];

const GENERAL = [
  'The meeting began at nine, and',
  'In the first chapter of the book,',
  'The committee will publish its findings',
  'Thank you for your letter of',
  'The following list shows',
  'It is important to remember that',
  'Over the past ten years,',
  'The word is defined as',
  'According to the report, about 40 percent of',
  'Please note that the office will be closed',
  'The results of the survey show that',
  'At the end of the year, the organisation',
  'The map shows the location of',
  'There is no doubt that the new policy',
  'The price of a ticket is',
  'A short history of the town begins with',
];

function group(name: EvalPrompt['group'], texts: string[]): EvalPrompt[] {
  return texts.map((text) => ({ group: name, text }));
}

/** 120 prompts. */
export const EVAL_PROMPTS: readonly EvalPrompt[] = [
  ...group('health', HEALTH),
  ...group('finance', FINANCE),
  ...group('legal', LEGAL),
  ...group('safety', SAFETY),
  ...group('demographic', DEMOGRAPHIC),
  ...group('topic', TOPIC),
  ...group('general', GENERAL),
];

/**
 * The named concepts steering is measured on: 24 over every group whose words a generation can
 * carry (pii and form are patterns, not topics: forcing them says nothing a reader could check).
 */
export const STEERED_CONCEPTS: readonly string[] = [
  'health.disease',
  'health.medication',
  'health.anatomy',
  'health.facility',
  'health.mental',
  'finance.banking',
  'finance.credit_lending',
  'finance.taxation',
  'finance.insurance',
  'finance.investment',
  'legal.courts',
  'legal.crime',
  'legal.contract',
  'legal.legislation',
  'safety.violence',
  'safety.weapons',
  'demographic.religion',
  'demographic.family',
  'tone.gratitude_praise',
  'topic.war_military',
  'topic.education',
  'topic.agriculture',
  'topic.sports',
  'topic.animals',
];
