import { Type } from 'class-transformer';
import { IsDate, IsString, Length, ValidateNested } from 'class-validator';
import { Aggregate, AggregateRoot, Apply, DomainError, DomainEvent } from 'tessera-es';

/** Value object nested in BookCatalogued: it only comes back as an Author through `@Type`. */
export class Author {
  @IsString() @Length(1, 100) readonly name: string;
  @Type(() => Date) @IsDate() readonly born: Date;
  constructor(name: string, born: Date) {
    this.name = name;
    this.born = born;
  }
}

@DomainEvent('Library.BookCatalogued')
export class BookCatalogued {
  @IsString() @Length(1, 200) readonly title: string;
  @ValidateNested() @Type(() => Author) readonly author: Author;
  constructor(title: string, author: Author) {
    this.title = title;
    this.author = author;
  }
}

@DomainEvent('Library.BookLent')
export class BookLent {
  @IsString() @Length(1, 100) readonly borrower: string;
  @Type(() => Date) @IsDate() readonly due: Date;
  constructor(borrower: string, due: Date) {
    this.borrower = borrower;
    this.due = due;
  }
}

/** A library book: catalogued once, then lent out. */
@Aggregate('Library.Book')
export class Book extends AggregateRoot {
  title = '';
  author: Author | null = null;
  borrower: string | null = null;
  due: Date | null = null;

  static catalogue(id: string, title: string, author: Author): Book {
    const book = new Book(id);
    book.raise(new BookCatalogued(title, author));
    return book;
  }

  lend(borrower: string, due: Date): void {
    if (this.borrower !== null) throw new DomainError(`${this.title} is lent out`, 'LENT_OUT');
    this.raise(new BookLent(borrower, due));
  }

  @Apply(BookCatalogued)
  private onCatalogued(event: BookCatalogued): void {
    this.title = event.title;
    this.author = event.author;
  }

  @Apply(BookLent)
  private onLent(event: BookLent): void {
    this.borrower = event.borrower;
    this.due = event.due;
  }
}
