/**
 * First names that are also everyday English words, places or brands ("Will", "May", "Grant",
 * "Rose", "Florida"). Alone — especially at a sentence start — they are not evidence of a person,
 * so the PERSON detector requires a surname or a context cue for them.
 *
 * Source: the intersection of the first-name lexicon with the compromise NLP lexicon's non-person
 * words (computed once, reviewed by hand), plus a hand-added tail of common verbs/nouns/seasons.
 */
export const AMBIGUOUS_FIRST_NAMES: ReadonlySet<string> = new Set([
  'abba', 'ad', 'al', 'alberta', 'alfredo', 'ally', 'alma', 'alta', 'amber', 'any', 'april', 'arch',
  'art', 'asia', 'atlanta', 'audi', 'august', 'autumn', 'ave', 'avis', 'avril', 'bail', 'bald',
  'ban', 'bank', 'bar', 'barbie', 'bari', 'baron', 'base', 'baxter', 'bear', 'beau', 'bella',
  'benedict', 'bent', 'bentley', 'berkeley', 'bern', 'bill', 'blithe', 'bo', 'bob', 'bond', 'bone',
  'boot', 'boy', 'brand', 'brandy', 'bride', 'brigham', 'brit', 'brook', 'buck', 'bud', 'bunny',
  'cad', 'caldwell', 'cam', 'car', 'care', 'carleton', 'carling', 'carry', 'cash', 'charity',
  'charlton', 'chase', 'cherish', 'chevy', 'chip', 'christi', 'christian', 'clay', 'cleveland',
  'cliff', 'conn', 'constanta', 'cookie', 'coral', 'cos', 'court', 'cross', 'crystal', 'daisy',
  'dale', 'dallas', 'dane', 'dare', 'dawn', 'de', 'dean', 'dell', 'den', 'denver', 'deny', 'derry',
  'des', 'dick', 'dixie', 'dolly', 'dominica', 'don', 'drew', 'dusty', 'earl', 'early', 'eddy', 'el',
  'elle', 'elmo', 'else', 'eula', 'eve', 'even', 'fair', 'faith', 'fancy', 'fanny', 'far', 'fern',
  'field', 'fielding', 'fields', 'finn', 'flo', 'florence', 'florida', 'ford', 'forester', 'frank',
  'free', 'gail', 'gal', 'gardener', 'gates', 'gay', 'gene', 'geneva', 'georgia', 'gill', 'ginger',
  'glad', 'glen', 'gram', 'granny', 'grant', 'gray', 'gun', 'gus', 'guy', 'gypsy', 'had', 'hall',
  'ham', 'hank', 'happy', 'hardy', 'hastings', 'haven', 'haze', 'hazel', 'heather', 'herb',
  'heywood', 'hi', 'hill', 'hillier', 'hilly', 'holly', 'honey', 'honor', 'hope', 'hunt', 'hunter',
  'iris', 'israel', 'ivy', 'jack', 'jade', 'jan', 'jasmine', 'jay', 'jean', 'jewel', 'jolie', 'joy',
  'june', 'kandy', 'keen', 'kelvin', 'kin', 'king', 'kingston', 'kirby', 'kitty', 'lance', 'land',
  'lane', 'lay', 'leicester', 'leo', 'les', 'levy', 'lewes', 'lexis', 'lil', 'lily', 'link', 'lira',
  'lock', 'lucky', 'lyon', 'major', 'man', 'mar', 'mark', 'max', 'may', 'mayor', 'melody',
  'mercedes', 'merry', 'mic', 'mile', 'miles', 'min', 'minor', 'missy', 'misty', 'mommy', 'my',
  'nanny', 'nat', 'newton', 'nike', 'noble', 'norman', 'north', 'odessa', 'olive', 'oran', 'paddy',
  'page', 'park', 'pat', 'pate', 'patience', 'patsy', 'pearl', 'pembroke', 'pen', 'penn', 'penny',
  'pet', 'philippine', 'pier', 'piggy', 'poppy', 'price', 'prince', 'putnam', 'rabbi', 'rain',
  'raleigh', 'randy', 'raven', 'ray', 'read', 'red', 'reed', 'rex', 'rice', 'rich', 'richmond',
  'ring', 'rip', 'river', 'rob', 'robin', 'rochester', 'rock', 'rod', 'rose', 'rosy', 'row', 'rowan',
  'royal', 'ruby', 'rusty', 'sage', 'salem', 'salmon', 'sandy', 'saw', 'say', 'scarlet', 'see',
  'serene', 'sergeant', 'sheffield', 'shepherd', 'sherwood', 'sissy', 'skip', 'sky', 'sly',
  'somerset', 'son', 'sonny', 'stafford', 'star', 'sterling', 'stern', 'stone', 'storm', 'sue',
  'summer', 'sunny', 'sunshine', 'tailor', 'tally', 'tan', 'temp', 'thorny', 'tore', 'trip', 'tuck',
  'tuesday', 'upton', 'urban', 'valencia', 'van', 'vaughn', 'venus', 'victor', 'viola', 'violet',
  'wade', 'wait', 'waiter', 'wake', 'wakefield', 'wang', 'ward', 'wash', 'washington', 'wat', 'way',
  'welsh', 'whitby', 'will', 'win', 'windy', 'winter', 'wood', 'woody', 'worth', 'yard', 'york',
]);
