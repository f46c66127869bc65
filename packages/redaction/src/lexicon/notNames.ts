/**
 * Capitalized words that are never part of a person's name in our contexts: pronouns, sentence
 * openers, calendar words, organisational nouns and address words. Used to stop a name from
 * swallowing the next capitalized word ("Sarah The manager", "Dear Customer", "John Street").
 */
export const NOT_NAME_WORDS: ReadonlySet<string> = new Set(
  `i me my we our you your he she him her they them it its this that these those there here the a an and or but
  if when while so then thanks thank please hello hi hey dear regards sincerely cheers best yes no ok okay
  monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
  september october november december today tomorrow yesterday morning evening
  merci danke bitte gracias grazie obrigado obrigada bedankt bonjour hallo hola ciao olá salut
  team support customer customers service services sales billing department dept admin administrator user users
  manager agent client clients member members friend friends everyone all folks colleague colleagues sir madam
  inc llc ltd corp co company group bank university college hospital clinic school office store shop
  street st avenue ave road rd boulevard blvd lane ln drive dr court ct place pl way suite apt unit floor
  north south east west new old port lake mount fort saint san santa los las el la le port mr mrs ms miss dr prof mx jr sr ii iii iv phd md esq`
    .split(/\s+/)
    .filter(Boolean),
);
