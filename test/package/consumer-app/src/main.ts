/**
 * The app's startup: migrates, saves a book, loads it back and prints what it found as one JSON
 * line. Whether each fact is right is the caller's to judge.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createTesseraDataSource, EventRepository, InvalidEventError } from 'tessera-es';
import { databaseUrl } from './database-url.js';
import { Author, Book } from './library.js';

/** The property paths of the violations `attempt` raised, or the error if it was not invalid. */
function violations(attempt: () => void): string[] | string {
  try {
    attempt();
    return 'accepted';
  } catch (error) {
    if (!(error instanceof InvalidEventError)) return String(error);
    return error.violations.map((v) => v.property);
  }
}

async function main(): Promise<void> {
  const dataSource = createTesseraDataSource({ url: databaseUrl(), poolSize: 2 });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
    const repository = new EventRepository(dataSource);
    const born = new Date('1815-12-10T00:00:00.000Z');
    const due = new Date('2027-01-31T00:00:00.000Z');
    const book = Book.catalogue(randomUUID(), 'Notes on the Engine', new Author('Ada', born));
    book.lend('Charles', due);
    await repository.save(book);
    const loaded = await repository.load(Book, book.id);
    console.log(
      JSON.stringify({
        version: loaded.version,
        title: loaded.title,
        authorIsAuthor: loaded.author instanceof Author,
        authorBorn: loaded.author?.born instanceof Date ? loaded.author.born.toISOString() : null,
        due: loaded.due instanceof Date ? loaded.due.toISOString() : null,
        nestedRule: violations(() =>
          Book.catalogue(randomUUID(), 'Untitled', new Author('', born)),
        ),
        topLevelRule: violations(() =>
          Book.catalogue(randomUUID(), 'Untitled', new Author('Ada', born)).lend('', due),
        ),
      }),
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
